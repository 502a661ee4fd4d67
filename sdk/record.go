package sdk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mileusna/useragent"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/sdk/consentlog"
)

// Key derivation labels: the consent log's keys come from the cookie's
// hash keys, so rotating those rotates these.
const (
	integrityLabel = "consentry consent-log integrity v1"
	ipHashLabel    = "consentry consent-log ip v1"
)

// deriveKey derives a purpose-bound key from a cookie hash key.
func deriveKey(hashKey []byte, label string) []byte {
	m := hmac.New(sha256.New, hashKey)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// notices builds the notice of every offered language: the banner
// configuration the visitor sees (texts, categories, vendors, hosts,
// cookie names, links), the full cookie tables the preference centre loads
// (name, purpose, lifetime, party: the page carries only the names), the
// no-JavaScript form's texts, the policy version and
// the banner build, hashed so a record can name it.
func (c *Consent) notices(l *listing) map[string]consentlog.Notice {
	m := make(map[string]consentlog.Notice, len(c.texts.offered))
	for _, lang := range c.texts.offered {
		form, out := c.texts.noJS[lang], c.texts.noJSOut[lang]
		content, _ := json.Marshal(struct {
			PolicyVersion string          `json:"policy_version"`
			Language      string          `json:"language"`
			PrivacyURL    string          `json:"privacy_url"`
			CookieURL     string          `json:"cookie_url"`
			Banner        json.RawMessage `json:"banner"`
			CookieTables  json.RawMessage `json:"cookie_tables"`
			NoJSForm      string          `json:"no_js_form"`
			NoJSFormOut   string          `json:"no_js_form_opt_out"`
			Assets        []string        `json:"assets"`
		}{
			c.opts.PolicyVersion, lang, c.opts.PrivacyURL, c.opts.CookieURL,
			l.config[lang], l.details[lang].Body(), strings.Join(form, ""), strings.Join(out, ""),
			[]string{banner.JS().Name, banner.CSS().Name},
		})
		m[lang] = consentlog.NewNotice(c.opts.PolicyVersion, lang, content)
	}
	return m
}

// record builds the consent-log record of a choice. old is the visitor's
// previous choice, if any; channel is "banner" or "form".
func (c *Consent) record(r *http.Request, ch *choice, old *choice, s *State, channel, returnPath string) consentlog.Record {
	lang := c.texts.pick(r.Header.Get("Accept-Language"))
	t := time.Unix(ch.Time, 0).UTC()
	rec := consentlog.Record{
		RecordID:         newConsentID(),
		SchemaVersion:    consentlog.SchemaVersion,
		EventTime:        c.now().UTC(),
		SubjectID:        ch.ID,
		Site:             c.recordSite(r),
		PolicyVersion:    ch.Version,
		Regime:           string(ch.Regime),
		Granted:          s.Granted(),
		GPC:              ch.GPC,
		DNT:              ch.DNT,
		CollectionMethod: string(ch.Method),
		Channel:          channel,
		PagePath:         pagePath(r, returnPath),
		NoticeHash:       c.texts.cur.Load().notices[lang],
		Language:         lang,
		ValidUntil:       t.Add(c.lifetime(ch)),
		IP:               c.logIP(r),
	}
	if c.locate.configured() {
		rec.Jurisdiction = clean(c.locate.locate(r).String(), 16)
	}
	for _, cat := range c.categories {
		if !s.Categories[cat.Key] {
			rec.Refused = append(rec.Refused, cat.Key)
		}
	}
	slices.Sort(rec.Refused)
	if rec.Refused == nil {
		rec.Refused = []string{}
	}
	rec.EventType = eventType(old, ch, c.keys)
	if ua := r.UserAgent(); ua != "" {
		u := useragent.Parse(ua)
		rec.Browser, rec.OS = family(u.Name, browserFamilies), family(u.OS, osFamilies)
		switch {
		case u.Bot:
			rec.Device = "bot"
		case u.Tablet:
			rec.Device = "tablet"
		case u.Mobile:
			rec.Device = "mobile"
		case u.Desktop:
			rec.Device = "desktop"
		}
	}
	rec.Seal(c.integrityKeys[0])
	return rec
}

// eventType tells a first decision from a later one, and a withdrawal
// (something granted before is refused now) from an update.
func eventType(old, ch *choice, known map[string]bool) string {
	optional := func(gs []string) bool {
		for _, g := range gs {
			if g != Necessary && known[g] {
				return true
			}
		}
		return false
	}
	if old == nil {
		if optional(ch.Granted) {
			return consentlog.EventGiven
		}
		return consentlog.EventRefused
	}
	for _, g := range old.Granted {
		if known[g] && !slices.Contains(ch.Granted, g) {
			return consentlog.EventWithdrawn
		}
	}
	return consentlog.EventUpdated
}

// VerifyRecord reports whether a consent-log record's integrity seal was
// made with one of this Consent's keys, i.e. the record is as written.
func (c *Consent) VerifyRecord(r consentlog.Record) bool {
	return r.Verify(c.integrityKeys...)
}

// logIP is what the consent log keeps of the visitor's address, per
// Options.LogIP.
func (c *Consent) logIP(r *http.Request) string {
	if c.opts.LogIP == IPOff {
		return ""
	}
	ip := c.locate.clientIP(r)
	if !ip.IsValid() {
		return ""
	}
	ip = ip.Unmap()
	if c.opts.LogIP == IPHash {
		m := hmac.New(sha256.New, c.ipKey)
		m.Write(ip.AsSlice())
		return "hmac:" + hex.EncodeToString(m.Sum(nil)[:16])
	}
	bits := 24
	if ip.Is6() {
		bits = 48
	}
	p, _ := ip.Prefix(bits)
	return p.String()
}

// pagePath is the path of the page a choice was made on: the Referer's
// when it is this site, else the form's return path; never a query, which
// may carry personal data. It stays percent-encoded, so it is plain ASCII
// whatever bytes the visitor's browser sent.
func pagePath(r *http.Request, returnPath string) string {
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host != "" && strings.EqualFold(ref.Host, r.Host) {
		return cleanPath(ref.EscapedPath())
	}
	if returnPath != "" {
		if u, err := url.Parse(safeReturn(returnPath)); err == nil {
			return cleanPath(u.EscapedPath())
		}
	}
	return ""
}

// maxPagePath caps a page path in the log.
const maxPagePath = 512

// cleanPath caps a path's length for the log.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	return clean(p, maxPagePath)
}

// clean makes request-derived text safe to store: valid UTF-8 without
// control characters (PostgreSQL refuses NUL and bad UTF-8, and a refused
// record would be set aside), cut to at most n bytes on a character
// boundary.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// The browser and OS families a record may name; anything else is
// "other". useragent.Parse returns an unrecognised User-Agent whole as the
// browser's name, so only known families are kept.
var (
	browserFamilies = familySet(useragent.Chrome, useragent.HeadlessChrome, useragent.Firefox, useragent.Safari,
		useragent.MobileSafari, useragent.Edge, useragent.Opera, useragent.OperaMini, useragent.OperaTouch,
		useragent.Vivaldi, useragent.InternetExplorer, useragent.SamsungBrowser, useragent.NetFront,
		useragent.FacebookApp, useragent.InstagramApp, useragent.TiktokApp, useragent.Googlebot,
		useragent.GoogleAdsBot, useragent.Bingbot, useragent.Applebot, useragent.YandexBot, useragent.YandexAdNet,
		useragent.Twitterbot, useragent.FacebookExternalHit)
	osFamilies = familySet(useragent.Windows, useragent.WindowsPhone, useragent.Android, useragent.MacOS,
		useragent.IOS, useragent.Linux, useragent.FreeBSD, useragent.ChromeOS, useragent.BlackBerry, useragent.Harmony)
)

func familySet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// family returns name when it is one of known, "other" when it is not, ""
// when it is empty.
func family(name string, known map[string]bool) string {
	switch {
	case name == "":
		return ""
	case known[name]:
		return name
	}
	return "other"
}

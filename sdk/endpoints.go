package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/consentry/consentry/banner"
)

// maxPostBody bounds a POST /_consent body.
const maxPostBody = 8 << 10

// serveEndpoint answers the consent endpoints. It reports false when the
// request is not for one of them.
func (c *Consent) serveEndpoint(w http.ResponseWriter, r *http.Request, s *State, ch *choice) bool {
	p := r.URL.Path
	if p == "/.well-known/gpc.json" {
		c.serveGPC(w, r)
		return true
	}
	rest, ok := strings.CutPrefix(p, c.opts.Prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return false
	}
	switch rest {
	case "", "/":
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			writeJSON(w, http.StatusOK, s)
		case http.MethodPost:
			c.servePost(w, r, s, ch)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	case "/receipt":
		c.serveReceipt(w, r, s)
	case "/cookies":
		c.serveDeclaration(w, r, s)
	default:
		if !banner.ServeAsset(w, r, rest[1:]) && !c.texts.serveFile(w, r, rest[1:]) {
			http.NotFound(w, r)
		}
	}
	return true
}

func (c *Consent) serveGPC(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, map[string]any{"gpc": true, "lastUpdate": c.opts.GPCLastUpdate})
}

// postBody is a POST /_consent request, from JSON or a form.
type postBody struct {
	Action     string   `json:"action"`
	Categories []string `json:"categories"`
	Return     string   `json:"return"`
}

func (c *Consent) servePost(w http.ResponseWriter, r *http.Request, s *State, old *choice) {
	if !sameOrigin(r, c.isHTTPS(r)) {
		http.Error(w, "cross-site consent requests are refused", http.StatusForbidden)
		return
	}
	body, isForm, err := readPost(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ch, err := c.newChoice(r, s, old, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	repeat, ok := c.admitDecision(w, r, ch)
	if !ok {
		return
	}
	value, err := c.codec.Encode(ch)
	if err != nil {
		c.log.Error("consent: encoding the consent cookie", "error", err)
		http.Error(w, "could not record the choice", http.StatusInternalServerError)
		return
	}
	ck := c.cookie(r, value, c.lifetime(ch))
	http.SetCookie(w, ck)
	c.observeSetCookie(ck.Name, requestSite(r), c.match.Cookie(ck.Name), c.now())

	next := c.stateFromChoice(ch, s.Signals)
	c.addGPP(next, s.loc)
	c.expireRefusedCookies(w, r, next)
	plainForm := isForm && !strings.Contains(r.Header.Get("Accept"), "application/json")
	if !repeat {
		c.logDecision(r, ch, old, next, plainForm, body.Return)
	}

	w.Header().Set("Cache-Control", "no-store")
	if plainForm {
		http.Redirect(w, r, safeReturn(body.Return), http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, next)
}

// logDecision appends the decision to the consent log and tells the
// observer. A plain form post comes from the no-JavaScript form.
func (c *Consent) logDecision(r *http.Request, ch, old *choice, next *State, plainForm bool, returnPath string) {
	if c.clog == nil && c.opts.Observer == nil {
		c.log.Debug("consent: choice recorded", "id", ch.ID, "method", ch.Method, "regime", ch.Regime)
		return
	}
	channel := "banner"
	if plainForm {
		channel = "form"
	}
	rec := c.record(r, ch, old, next, channel, returnPath)
	if c.clog != nil {
		c.clog.Append(rec)
	}
	if c.opts.Observer != nil {
		c.opts.Observer.Decision(ch.Method, ch.Regime, rec.Granted, rec.Refused)
	}
	c.log.Debug("consent: choice recorded", "id", ch.ID, "record", rec.RecordID, "event", rec.EventType,
		"method", ch.Method, "regime", ch.Regime, "granted", rec.Granted)
}

// newChoice turns a posted action into a choice, keeping the visitor's
// consent id when they had one.
func (c *Consent) newChoice(r *http.Request, s *State, old *choice, b postBody) (*choice, error) {
	ch := &choice{
		Version: c.opts.PolicyVersion,
		Regime:  c.regime(r),
		Method:  Method(b.Action),
		Time:    c.now().Unix(),
		GPC:     s.Signals.GPC,
		DNT:     s.Signals.DNT,
	}
	if old != nil {
		ch.ID = old.ID
	} else {
		ch.ID = newConsentID()
	}
	switch ch.Method {
	case MethodAcceptAll:
		for _, cat := range c.categories {
			ch.Granted = append(ch.Granted, cat.Key)
		}
	case MethodRejectAll:
		ch.Granted = []string{Necessary}
	case MethodCustom:
		ch.Granted = []string{Necessary}
		seen := map[string]bool{Necessary: true}
		for _, k := range b.Categories {
			k = strings.ToLower(strings.TrimSpace(k))
			if !c.keys[k] {
				return nil, fmt.Errorf("unknown category %q", k)
			}
			if !seen[k] {
				seen[k] = true
				ch.Granted = append(ch.Granted, k)
			}
		}
	default:
		return nil, fmt.Errorf("action %q: want accept_all, reject_all or custom", b.Action)
	}
	return ch, nil
}

// expireRefusedCookies expires the cookies of refused categories that the
// browser sent, so withdrawing consent removes them, HttpOnly ones too.
func (c *Consent) expireRefusedCookies(w http.ResponseWriter, r *http.Request, s *State) {
	c.expireCookies(w.Header(), r, c.refusedCookieNames(r, s))
}

// readPost parses a JSON or form body. isForm tells a plain HTML form post.
func readPost(w http.ResponseWriter, r *http.Request) (b postBody, isForm bool, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPostBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return b, false, fmt.Errorf("invalid JSON body: %w", err)
		}
		if err := noDuplicateKeys(data); err != nil {
			return b, false, fmt.Errorf("invalid JSON body: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&b); err != nil {
			return b, false, fmt.Errorf("invalid JSON body: %w", err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return b, false, errors.New("invalid JSON body: trailing data")
		}
		return b, false, nil
	case "application/x-www-form-urlencoded", "multipart/form-data":
		parse := r.ParseForm
		if mt == "multipart/form-data" {
			parse = func() error { return r.ParseMultipartForm(maxPostBody) }
		}
		if err := parse(); err != nil {
			return b, true, fmt.Errorf("invalid form body: %w", err)
		}
		if len(r.PostForm["action"]) > 1 {
			return b, true, errors.New("repeated action parameter")
		}
		b.Action = r.PostForm.Get("action")
		b.Categories = r.PostForm["categories"]
		if len(b.Categories) == 0 {
			b.Categories = r.PostForm["category"]
		}
		b.Return = r.PostForm.Get("return")
		return b, true, nil
	default:
		return b, false, fmt.Errorf("content type %q: want application/json or a form", mt)
	}
}

// noDuplicateKeys refuses a JSON object that names a member twice at its
// top level, in any case: Go keeps the last, other parsers the first, so
// {"action":"reject_all","action":"accept_all"} must not mean either.
func noDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil // not an object: Decode reports it
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		// Go matches member names without regard to case.
		k := strings.ToLower(key)
		if seen[k] {
			return fmt.Errorf("member %q given more than once", key)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

// sameOrigin reports whether a POST comes from the site itself. Browsers
// send Sec-Fetch-Site and Origin on POSTs; a request carrying neither is
// not a browser's cross-site form (e.g. curl) and is allowed. https says
// the visitor reached the site over HTTPS (Consent.isHTTPS).
func sameOrigin(r *http.Request, https bool) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // includes "null"
	}
	// Over HTTPS the page must be https too. Without TLS here and without
	// Options.AssumeHTTPS, a proxy in front may have ended it, so either
	// scheme of the same host is the site; no other scheme is.
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && !https:
	default:
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// safeReturn keeps a form's return target on this site: a path only, never
// a scheme, host or protocol-relative URL.
func safeReturn(ret string) string {
	if ret == "" || ret[0] != '/' || strings.HasPrefix(ret, "//") || strings.ContainsAny(ret, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(ret)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return u.String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

package sdk

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/consentry/consentry/sdk/internal/match"
	"github.com/consentry/consentry/sdk/rewrite"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/publicsuffix"
)

// overBroadHosts are domains that serve far more than one vendor's tags (or
// the site's own necessary resources: fonts, CDNs, reCAPTCHA, payments), so
// neither they nor a parent of them may be catalogued. facebook.com and
// instagram.com are deliberately absent: the rewriter only touches embedded
// resources (scripts, frames, pixels, media, preloads), never links, and
// every resource those two serve into a third-party page is Meta's pixel or
// an embed.
var overBroadHosts = []string{
	"google.com", "www.google.com", "google.de", "google.co.uk",
	"gstatic.com", "www.gstatic.com", "fonts.gstatic.com",
	"googleapis.com", "www.googleapis.com", "ajax.googleapis.com", "fonts.googleapis.com",
	"googleusercontent.com", "goo.gl",
	"microsoft.com", "live.com", "bing.com", "www.bing.com", "msn.com", "office.com",
	"apple.com", "icloud.com",
	"amazon.com", "amazonaws.com", "s3.amazonaws.com", "cloudfront.net", "media-amazon.com",
	"akamaihd.net", "akamaized.net", "cloudflare.com", "cdnjs.cloudflare.com",
	"jsdelivr.net", "cdn.jsdelivr.net", "unpkg.com", "github.com", "githubusercontent.com",
	"twitter.com", "www.twitter.com", "x.com", "twimg.com", "pbs.twimg.com",
	"linkedin.com", "licdn.com", "static.licdn.com", "media.licdn.com",
	"tiktok.com", "snapchat.com", "pinterest.com", "pinimg.com", "i.pinimg.com",
	"reddit.com", "www.reddit.com", "redditstatic.com",
	"yandex.ru", "yandex.com", "baidu.com", "adobe.com", "spotify.com",
	"vimeo.com", "fbcdn.net", "hubspot.com", "hsforms.net", "hsforms.com",
	"recaptcha.net", "hcaptcha.com", "stripe.com", "js.stripe.com", "paypal.com",
	"shopify.com", "cdn.shopify.com", "gravatar.com", "wp.com",
	"localhost", "example.com",
}

var (
	bareHostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	// durationRE is "session", a number and a unit, or a range of those.
	lifetimeRE = regexp.MustCompile(`^(session|\d+ (second|minute|hour|day|week|month|year)s?)( to (\d+ (second|minute|hour|day|week|month|year)s?))?$`)
)

// minPatternLen keeps patterns long enough to be specific: "fbq(" or "ym("
// could turn up in anyone's code.
const minPatternLen = 6

// minCookiePrefix keeps "prefix*" cookie names from swallowing the site's
// own cookies.
const minCookiePrefix = 3

// TestCatalogueWellFormed checks every vendor entry field by field.
func TestCatalogueWellFormed(t *testing.T) {
	vendors := BuiltinCatalogue()
	if len(vendors) < 35 {
		t.Fatalf("catalogue has %d vendors, want the common ones (>= 35)", len(vendors))
	}
	categories := map[string]bool{Preferences: true, Analytics: true, Advertising: true, Social: true}
	denied := map[string]bool{}
	for _, h := range overBroadHosts {
		denied[h] = true
	}
	names := map[string]bool{}
	withHosts := map[string]bool{} // vendor names with hosts: the matched ones
	for _, v := range vendors {
		withHosts[v.Vendor] = withHosts[v.Vendor] || len(v.Hosts) > 0
	}
	hostOwner := map[string]string{}
	patternOwner := map[string]string{}
	cookieOwner := map[string]string{}
	for _, v := range vendors {
		if strings.TrimSpace(v.Vendor) == "" {
			t.Errorf("vendor with empty name: %+v", v)
			continue
		}
		// A dataset's additions to a hand-written vendor are an entry of
		// the same name with the dataset as Source.
		if names[v.Vendor+"\x00"+v.Source] {
			t.Errorf("vendor %q (%s) listed twice", v.Vendor, v.Source)
		}
		names[v.Vendor+"\x00"+v.Source] = true
		// A vendor only the cookie database knows has no hosts and may be
		// necessary (its cookies are declared, never filtered); the
		// datasets give no privacy policy for some.
		cookiesOnly := v.Source == SourceOpenCookieDatabase
		if cookiesOnly && withHosts[v.Vendor] {
			if hand := names[v.Vendor+"\x00"]; !hand {
				t.Errorf("%s (%s): adds to a vendor that is not hand-written", v.Vendor, v.Source)
			}
		}
		if !categories[v.Category] && !(cookiesOnly && v.Category == Necessary) {
			t.Errorf("%s: category %q, want one of preferences, analytics, advertising, social", v.Vendor, v.Category)
		}
		if (v.Source == "" || v.PrivacyURL != "") &&
			(!strings.HasPrefix(v.PrivacyURL, "https://") || len(v.PrivacyURL) <= len("https://") || strings.ContainsAny(v.PrivacyURL, " \"<>")) {
			t.Errorf("%s: privacy_url %q, want an https URL", v.Vendor, v.PrivacyURL)
		}
		if (len(v.Hosts) == 0) != cookiesOnly {
			t.Errorf("%s (%s): %d hosts", v.Vendor, v.Source, len(v.Hosts))
		}
		if len(v.Patterns) > 0 && v.Source != "" {
			t.Errorf("%s (%s): inline patterns are hand-written only", v.Vendor, v.Source)
		}
		for _, h := range v.Hosts {
			if !bareHostRE.MatchString(h) || httpfield.ConfigHost(h) != h {
				t.Errorf("%s: host %q is not a lowercase bare hostname", v.Vendor, h)
				continue
			}
			if ps, _ := publicsuffix.PublicSuffix(h); ps == h {
				t.Errorf("%s: host %q is a public suffix", v.Vendor, h)
			}
			if denied[h] {
				t.Errorf("%s: host %q is over-broad", v.Vendor, h)
			}
			if o, dup := hostOwner[h]; dup {
				t.Errorf("%s: host %q already belongs to %s", v.Vendor, h, o)
			}
			hostOwner[h] = v.Vendor
		}
		for _, p := range v.Patterns {
			if len(p) < minPatternLen || strings.TrimSpace(p) != p {
				t.Errorf("%s: pattern %q is shorter than %d bytes or padded", v.Vendor, p, minPatternLen)
			}
			if o, dup := patternOwner[p]; dup {
				t.Errorf("%s: pattern %q already belongs to %s", v.Vendor, p, o)
			}
			patternOwner[p] = v.Vendor
		}
		for _, c := range v.Cookies {
			checkVendorCookie(t, v.Vendor, c, !withHosts[v.Vendor])
			if o, dup := cookieOwner[c.Name]; dup {
				t.Errorf("%s: cookie %q already belongs to %s", v.Vendor, c.Name, o)
			}
			cookieOwner[c.Name] = v.Vendor
		}
	}
	// A host under another catalogued host is redundant (same category) or
	// a silent override (another category); both hide mistakes.
	for h, o := range hostOwner {
		for p := h; ; {
			i := strings.IndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[i+1:]
			if po, ok := hostOwner[p]; ok {
				t.Errorf("host %q (%s) lies under catalogued host %q (%s)", h, o, p, po)
			}
		}
	}
}

// checkVendorCookie checks one cookie entry. A dataset's cookie may have no
// known lifetime; a cookie of a vendor the catalogue does not match by host
// (unmatched) is declared only.
func checkVendorCookie(t *testing.T, vendor string, c VendorCookie, unmatched bool) {
	t.Helper()
	name := c.Name
	if prefix, ok := strings.CutSuffix(name, "*"); ok {
		if len(prefix) < minCookiePrefix {
			t.Errorf("%s: cookie %q: prefix shorter than %d bytes", vendor, name, minCookiePrefix)
		}
		name = prefix
	}
	if !httpguts.ValidHeaderFieldName(name) || strings.Contains(name, "*") {
		t.Errorf("%s: cookie %q is not a cookie-name token (with at most one trailing '*')", vendor, c.Name)
	}
	if strings.TrimSpace(c.Purpose) == "" {
		t.Errorf("%s: cookie %q has no purpose", vendor, c.Name)
	}
	if unmatched && c.filtered() {
		t.Errorf("%s: cookie %q of a vendor without hosts is filtered", vendor, c.Name)
	}
	if !lifetimeRE.MatchString(c.Lifetime) && c.Lifetime != "" { // "": unknown (some of the datasets')
		t.Errorf("%s: cookie %q: lifetime %q, want e.g. \"session\", \"90 days\", \"30 seconds to 1 year\"", vendor, c.Name, c.Lifetime)
	}
	switch c.Party {
	case FirstParty:
		if c.Host != "" {
			t.Errorf("%s: first-party cookie %q names host %q", vendor, c.Name, c.Host)
		}
	case ThirdParty:
		if !bareHostRE.MatchString(c.Host) {
			t.Errorf("%s: third-party cookie %q: host %q, want the vendor domain it is set on", vendor, c.Name, c.Host)
		}
	default:
		t.Errorf("%s: cookie %q: party %q, want first or third", vendor, c.Name, c.Party)
	}
}

// TestCatalogueCookieCategoriesDoNotClash: a filtered "prefix*" cookie must
// not swallow a first-party cookie of another category, declared or
// filtered: the longest matching prefix wins, whatever its category
// (match.Names), and a declared necessary cookie would be dropped.
func TestCatalogueCookieCategoriesDoNotClash(t *testing.T) {
	type entry struct {
		name, vendor, category string
		filtered               bool
	}
	var first []entry
	for _, v := range BuiltinCatalogue() {
		for _, c := range v.Cookies {
			if c.Party == FirstParty {
				first = append(first, entry{c.Name, v.Vendor, v.Category, c.filtered()})
			}
		}
	}
	for _, p := range first {
		prefix, ok := strings.CutSuffix(p.name, "*")
		if !ok || !p.filtered {
			continue
		}
		for _, o := range first {
			if o.category != p.category && strings.HasPrefix(strings.TrimSuffix(o.name, "*"), prefix) {
				t.Errorf("%q (%s, %s) matches %q (%s, %s)", p.name, p.vendor, p.category, o.name, o.vendor, o.category)
			}
		}
	}
}

// newCatalogueConsent returns a Consent with the default categories and the
// built-in catalogue.
func newCatalogueConsent(t *testing.T) *Consent {
	t.Helper()
	c, err := New(Options{
		Keys:   []KeyPair{{Hash: bytes.Repeat([]byte("h"), 32), Block: bytes.Repeat([]byte("b"), 32)}},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// TestCatalogueClassifiesTagURLs runs real-world tag URLs through the host
// matcher New builds from the catalogue.
func TestCatalogueClassifiesTagURLs(t *testing.T) {
	m := newCatalogueConsent(t).match
	for _, tc := range []struct{ url, want string }{
		// Google
		{"https://www.googletagmanager.com/gtag/js?id=G-X", Analytics},
		{"https://www.googletagmanager.com/gtm.js?id=GTM-ABC", Analytics},
		{"https://www.googletagmanager.com/ns.html?id=GTM-ABC", Analytics},
		{"https://www.google-analytics.com/analytics.js", Analytics},
		{"https://region1.google-analytics.com/g/collect?v=2", Analytics},
		{"https://ssl.google-analytics.com/ga.js", Analytics},
		{"https://analytics.google.com/g/collect", Analytics},
		{"https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1", Advertising},
		{"https://securepubads.g.doubleclick.net/tag/js/gpt.js", Advertising},
		{"https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/", Advertising},
		{"https://stats.g.doubleclick.net/r/collect", Advertising},
		{"https://www.googleadservices.com/pagead/conversion.js", Advertising},
		{"https://www.googletagservices.com/tag/js/gpt.js", Advertising},
		{"https://adservice.google.com/ddm/fls/z/src=1", Advertising},
		{"https://adservice.google.de/adsid/integrator.js", Advertising},
		{"https://ep1.adtrafficquality.google/getconfig/sodar", Advertising},
		{"https://maps.googleapis.com/maps/api/js?key=K&callback=init", Social},
		{"https://maps.google.com/maps?q=Berlin&output=embed", Social},
		{"https://www.youtube.com/embed/x", Social},
		{"https://www.youtube-nocookie.com/embed/x", Social},
		{"https://i.ytimg.com/vi/x/hqdefault.jpg", Social},
		{"https://www.youtube.com/iframe_api", Social},
		// Meta
		{"https://connect.facebook.net/en_US/fbevents.js", Advertising},
		{"https://www.facebook.com/tr?id=1&ev=PageView&noscript=1", Advertising},
		{"https://www.instagram.com/embed.js", Social},
		{"https://www.instagram.com/p/Cxyz/embed", Social},
		// Microsoft
		{"https://www.clarity.ms/tag/x", Analytics},
		{"https://bat.bing.com/bat.js", Advertising},
		{"https://bat.bing.com/action/0?ti=1", Advertising},
		// Social networks
		{"https://snap.licdn.com/li.lms-analytics/insight.min.js", Advertising},
		{"https://px.ads.linkedin.com/collect/?pid=1&fmt=gif", Advertising},
		{"https://www.linkedin.com/embed/feed/update/urn:li:share:1", Social},
		{"https://platform.linkedin.com/in.js", Social},
		{"https://analytics.tiktok.com/i18n/pixel/events.js", Advertising},
		{"https://www.tiktok.com/embed.js", Social},
		{"https://static.ads-twitter.com/uwt.js", Advertising},
		{"https://analytics.twitter.com/i/adsct?txn_id=x", Advertising},
		{"https://t.co/i/adsct?txn_id=x", Advertising},
		{"https://platform.twitter.com/widgets.js", Social},
		{"https://syndication.twitter.com/srv/timeline-profile/screen-name/x", Social},
		{"https://ct.pinterest.com/v3/?tid=1", Advertising},
		{"https://s.pinimg.com/ct/core.js", Advertising},
		{"https://assets.pinterest.com/js/pinit.js", Social},
		{"https://sc-static.net/scevent.min.js", Advertising},
		{"https://tr.snapchat.com/p", Advertising},
		{"https://www.redditstatic.com/ads/pixel.js", Advertising},
		{"https://alb.reddit.com/rp.gif?id=1", Advertising},
		// Video, audio
		{"https://player.vimeo.com/video/1", Social},
		{"https://i.vimeocdn.com/video/1_640.jpg", Social},
		{"https://open.spotify.com/embed/track/1", Social},
		// Ad networks
		{"https://static.criteo.net/js/ld/ld.js", Advertising},
		{"https://dis.criteo.com/dis/rtb/appnexus/cookiematch.aspx", Advertising},
		{"https://cdn.taboola.com/libtrc/site/loader.js", Advertising},
		{"https://trc.taboola.com/1/log/3/unip", Advertising},
		{"https://widgets.outbrain.com/outbrain.js", Advertising},
		{"https://amplify.outbrain.com/cp/obtp.js", Advertising},
		{"https://secure.quantserve.com/quant.js", Advertising},
		{"https://pixel.quantserve.com/pixel/p-1.gif", Advertising},
		{"https://c.amazon-adsystem.com/aax2/apstag.js", Advertising},
		// Product analytics
		{"https://example.sc.omtrdc.net/b/ss/rsid/1/JS-2.22.0/s1", Analytics},
		{"https://example.122.2o7.net/b/ss/rsid/1", Analytics},
		{"https://dpm.demdex.net/id?d_visid_ver=5", Analytics},
		{"https://assets.adobedtm.com/launch-EN1.min.js", Analytics},
		{"https://cdn.segment.com/analytics.js/v1/KEY/analytics.min.js", Analytics},
		{"https://api.segment.io/v1/t", Analytics},
		{"https://cdn.mxpnl.com/libs/mixpanel-2-latest.min.js", Analytics},
		{"https://api-js.mixpanel.com/track/", Analytics},
		{"https://cdn.amplitude.com/libs/analytics-browser-2.11.1-min.js.gz", Analytics},
		{"https://api2.amplitude.com/2/httpapi", Analytics},
		{"//js.hs-scripts.com/123.js", Analytics},
		{"https://js.hs-analytics.net/analytics/1/123.js", Analytics},
		{"https://track.hubspot.com/__ptq.gif", Analytics},
		{"https://widget.intercom.io/widget/abc", Analytics},
		{"https://js.intercomcdn.com/frame-modern.js", Analytics},
		{"https://static.hotjar.com/c/hotjar-1.js?sv=6", Analytics},
		{"https://script.hotjar.com/modules.js", Analytics},
		{"https://cdn.matomo.cloud/example.matomo.cloud/matomo.js", Analytics},
		{"https://plausible.io/js/script.js", Analytics},
		{"https://mc.yandex.ru/metrika/tag.js", Analytics},
		{"https://hm.baidu.com/hm.js?abc", Analytics},
		// The long tail, from third-party-web, with its categories mapped.
		{"https://static.chartbeat.com/js/chartbeat.js", Analytics},
		{"https://tools.luckyorange.com/core/lo.js", Analytics},
		{"https://embed.tawk.to/abc/default", Preferences}, // a chat widget
		{"https://example.disqus.com/embed.js", Social},
		{"https://c.amazon-adsystem.com/aax2/apstag.js", Advertising},
		{"https://cdn.taboola.com/libtrc/x/loader.js", Advertising},
		{"https://static.criteo.net/js/ld/publishertag.js", Advertising},
		{"https://cdn.cookielaw.org/scripttemplates/otSDKStub.js", ""}, // consent provider
		{"https://cdnjs.cloudflare.com/ajax/libs/x.js", ""},            // CDN
		// The demo's vendors are the demo's configuration, not the catalogue's.
		{"http://analytics.localhost:8080/a.js", ""},
		{"http://ads.localhost:8080/pixel.gif", ""},
		{"http://social.localhost:8080/widget.html", ""},
		// Not catalogued: the site's own and shared infrastructure, links.
		{"https://www.google.com/recaptcha/api.js", ""},
		{"https://www.gstatic.com/recaptcha/releases/x/recaptcha__en.js", ""},
		{"https://fonts.googleapis.com/css2?family=Inter", ""},
		{"https://ajax.googleapis.com/ajax/libs/jquery/3.7.1/jquery.min.js", ""},
		{"https://www.google.com/search?q=x", ""},
		{"https://twitter.com/intent/tweet?url=x", ""},
		{"https://www.bing.com/search?q=x", ""},
		{"https://cdn.jsdelivr.net/npm/alpinejs", ""},
		{"https://js.stripe.com/v3/", ""},
		{"https://js.hsforms.net/forms/embed/v2.js", ""},
		{"https://static.licdn.com/aero-v1/sc/h/x", ""},
		{"https://www.example.com/app.js", ""},
	} {
		host := rewrite.URLHost([]byte(tc.url))
		if host == "" {
			t.Errorf("%s: no host", tc.url)
			continue
		}
		if got := m.Host(host); got != tc.want {
			t.Errorf("%s: category %q, want %q", tc.url, got, tc.want)
		}
	}
	// No over-broad domain is covered through a catalogued parent either.
	for _, h := range overBroadHosts {
		if got := m.Host(h); got != "" {
			t.Errorf("over-broad host %s classified as %s", h, got)
		}
	}
}

// inlineCategory returns the category of the first pattern found in body,
// as RefusedInline does with every category refused.
func inlineCategory(m *match.Matcher, body string) (category, pattern string) {
	for _, p := range m.Patterns() {
		if strings.Contains(body, p.Text) {
			return p.Category, p.Text
		}
	}
	return "", ""
}

// TestCataloguePatternsClassifyVendorSnippets feeds the vendors' published
// inline snippets, abridged, to the pattern matcher.
func TestCataloguePatternsClassifyVendorSnippets(t *testing.T) {
	m := newCatalogueConsent(t).match
	for _, tc := range []struct{ name, body, want string }{
		{"Google tag", `window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date());
gtag('config', 'G-ABC123');`, Analytics},
		{"Google tag, double quotes", `gtag("js", new Date()); gtag("config", "G-ABC123");`, Analytics},
		{"GTM loader", `(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-XXXX');`, Analytics},
		{"analytics.js", `(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');
ga('create', 'UA-1-1', 'auto'); ga('send', 'pageview');`, Analytics},
		{"AdSense push", `(adsbygoogle = window.adsbygoogle || []).push({});`, Advertising},
		{"Ad Manager", `window.googletag = window.googletag || {cmd: []};
googletag.cmd.push(function() { googletag.defineSlot('/1/x', [300, 250], 'div-1').addService(googletag.pubads()); });`, Advertising},
		{"Google Ads conversion", `gtag('event', 'conversion', {'send_to': 'AW-1/abc'});`, Advertising},
		{"Meta pixel", `!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;
n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,
document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234'); fbq('track', 'PageView');`, Advertising},
		{"Meta event alone", `fbq('track', 'Purchase', {value: 1, currency: 'EUR'});`, Advertising},
		{"Clarity", `(function(c,l,a,r,i,t,y){c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);})(window, document, "clarity", "script", "abc");`, Analytics},
		{"Hotjar", `(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
h._hjSettings={hjid:1,hjsv:6};a=o.getElementsByTagName('head')[0];r=o.createElement('script');r.async=1;
r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;a.appendChild(r);})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');`, Analytics},
		{"LinkedIn Insight", `_linkedin_partner_id = "123"; window._linkedin_data_partner_ids = window._linkedin_data_partner_ids || [];
window._linkedin_data_partner_ids.push(_linkedin_partner_id);`, Advertising},
		{"TikTok pixel", `!function (w, d, t) { w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[]; ttq.load('ABC'); ttq.page(); }(window, document, 'ttq');`, Advertising},
		{"X pixel", `!function(e,t,n,s,u,a){e.twq||(s=e.twq=function(){s.exe?s.exe.apply(s,arguments):s.queue.push(arguments);},
s.version='1.1',s.queue=[],u=t.createElement(n),u.async=!0,u.src='https://static.ads-twitter.com/uwt.js',
a=t.getElementsByTagName(n)[0],a.parentNode.insertBefore(u,a))}(window,document,'script'); twq('config','abc');`, Advertising},
		{"Bing UET", `(function(w,d,t,r,u){var f,n,i;w[u]=w[u]||[],f=function(){var o={ti:"1"};o.q=w[u],w[u]=new UET(o),w[u].push("pageLoad")},
n=d.createElement(t),n.src=r,n.async=1;i=d.getElementsByTagName(t)[0],i.parentNode.insertBefore(n,i)})(window,document,"script","//bat.bing.com/bat.js","uetq");`, Advertising},
		{"Pinterest tag", `!function(e){if(!window.pintrk){window.pintrk=function(){window.pintrk.queue.push(Array.prototype.slice.call(arguments))};
var n=window.pintrk;n.queue=[],n.version="3.0";var t=document.createElement("script");t.async=!0,t.src=e;
var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r)}}("https://s.pinimg.com/ct/core.js");
pintrk('load', '123'); pintrk('page');`, Advertising},
		{"Snap pixel", `(function(e,t,n){if(e.snaptr)return;var a=e.snaptr=function(){a.handleRequest?a.handleRequest.apply(a,arguments):a.queue.push(arguments)};
a.queue=[];var s='script';r=t.createElement(s);r.async=!0;r.src=n;var u=t.getElementsByTagName(s)[0];
u.parentNode.insertBefore(r,u);})(window,document,'https://sc-static.net/scevent.min.js'); snaptr('init', 'abc', {});`, Advertising},
		{"Criteo", `window.criteo_q = window.criteo_q || []; window.criteo_q.push({ event: "setAccount", account: 1 });`, Advertising},
		{"Taboola pixel", `window._tfa = window._tfa || []; window._tfa.push({notify: 'event', name: 'page_view', id: 1});`, Advertising},
		{"Outbrain pixel", `!function(_window, _document) { var OB_ADV_ID = '00abc'; if (_window.obApi) { return; } }(window, document);`, Advertising},
		{"Reddit pixel", `!function(w,d){if(!w.rdt){var p=w.rdt=function(){p.sendEvent?p.sendEvent.apply(p,arguments):p.callQueue.push(arguments)};
p.callQueue=[];var t=d.createElement("script");t.src="https://www.redditstatic.com/ads/pixel.js",t.async=!0;
var s=d.getElementsByTagName("script")[0];s.parentNode.insertBefore(t,s)}}(window,document);rdt('init','a2_x');rdt('track', 'PageVisit');`, Advertising},
		{"Quantcast", `var _qevents = _qevents || []; (function() { var elem = document.createElement('script');
elem.src = (document.location.protocol == "https:" ? "https://secure" : "http://edge") + ".quantserve.com/quant.js"; })();
_qevents.push({ qacct:"p-1" });`, Advertising},
		{"Amazon TAM", `apstag.init({ pubID: '1', adServer: 'googletag' });`, Advertising},
		{"Adobe AppMeasurement", `var s = new AppMeasurement("rsid"); s.trackingServer = "metrics.example.com"; s.t();`, Analytics},
		{"Segment", `!function(){var analytics=window.analytics=window.analytics||[];analytics.load=function(key,e){var t=document.createElement("script");
t.type="text/javascript";t.async=!0;t.src="https://cdn.segment.com/analytics.js/v1/" + key + "/analytics.min.js";};analytics.load("KEY");analytics.page();}();`, Analytics},
		{"Mixpanel", `mixpanel.init("TOKEN", {track_pageview: true});`, Analytics},
		{"Amplitude", `amplitude.init('KEY', {autocapture: true});`, Analytics},
		{"HubSpot", `var _hsq = window._hsq = window._hsq || []; _hsq.push(['setPath', '/x']); _hsq.push(['trackPageView']);`, Analytics},
		{"Intercom", `window.intercomSettings = { api_base: "https://api-iam.intercom.io", app_id: "abc" };`, Analytics},
		{"Matomo", `var _paq = window._paq = window._paq || []; _paq.push(['trackPageView']); _paq.push(['enableLinkTracking']);`, Analytics},
		{"Yandex Metrica", `(function(m,e,t,r,i,k,a){m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};
k=e.createElement(t),a=e.getElementsByTagName(t)[0],k.async=1,k.src=r,a.parentNode.insertBefore(k,a)})
(window, document, "script", "https://mc.yandex.ru/metrika/tag.js", "ym"); ym(1, "init", {});`, Analytics},
		{"Baidu Tongji", `var _hmt = _hmt || []; (function() { var hm = document.createElement("script"); hm.src = "https://hm.baidu.com/hm.js?abc"; })();`, Analytics},
		{"Instagram embeds", `window.instgrm && window.instgrm.Embeds.process();`, Social},
		{"YouTube player", `function onYouTubeIframeAPIReady() { player = new YT.Player('player', {videoId: 'abc'}); }`, Social},
		{"Segment snippet", `analytics.SNIPPET_VERSION="5.2.0"; analytics._writeKey="KEY"; analytics.load("KEY");`, Analytics},
	} {
		if got, _ := inlineCategory(m, tc.body); got != tc.want {
			t.Errorf("%s: category %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestCataloguePatternsLeaveDOMLoadersToTheGuard: a snippet that only
// creates the vendor's script element, with nothing but the URL to tell it
// apart from a site's configuration naming that URL, matches no pattern:
// it runs, and the guard holds the element it inserts until consent.
func TestCataloguePatternsLeaveDOMLoadersToTheGuard(t *testing.T) {
	m := newCatalogueConsent(t).match
	for _, tc := range []struct{ name, body, want string }{
		{"X widgets loader", `!function(d,s,id){var js,fjs=d.getElementsByTagName(s)[0];if(!d.getElementById(id)){js=d.createElement(s);js.id=id;js.src="https://platform.twitter.com/widgets.js";fjs.parentNode.insertBefore(js,fjs);}}(document,"script","twitter-wjs");`, ""},
		{"Adobe Launch loader", `var el=document.createElement('script');el.src='https://assets.adobedtm.com/launch-EN1.min.js';document.head.appendChild(el);`, ""},
		{"YouTube iframe API", `var tag = document.createElement('script'); tag.src = "https://www.youtube.com/iframe_api";`, ""},
		{"Google Maps JS API", `var s=document.createElement('script');s.src='https://maps.googleapis.com/maps/api/js?key=K&callback=initMap';document.head.append(s);`, ""},
	} {
		if got, p := inlineCategory(m, tc.body); got != tc.want {
			t.Errorf("%s: pattern %q (%s) matches a plain DOM loader", tc.name, p, got)
		}
	}
}

// firstPartyScripts are ordinary inline scripts a site writes itself; no
// catalogue pattern may match them.
var firstPartyScripts = map[string]string{
	"menu toggle": `document.querySelector('.nav-toggle').addEventListener('click', function () {
  var menu = document.getElementById('main-menu');
  var open = menu.classList.toggle('is-open');
  this.setAttribute('aria-expanded', open ? 'true' : 'false');
});`,
	"cart counter": `fetch('/cart.json', {credentials: 'same-origin'})
  .then(function (r) { return r.json(); })
  .then(function (cart) { document.querySelector('[data-cart-count]').textContent = cart.item_count; });`,
	"JSON-LD": `{"@context":"https://schema.org","@type":"Product","name":"Nimbus X","image":"https://www.example.com/x.jpg",
"offers":{"@type":"Offer","priceCurrency":"EUR","price":"499.00","availability":"https://schema.org/InStock"},
"sameAs":["https://www.facebook.com/nimbus","https://twitter.com/nimbus","https://www.linkedin.com/company/nimbus","https://www.youtube.com/@nimbus"]}`,
	"config object": `window.APP_CONFIG = {apiBase: "/api/v2", locale: "en-GB", currency: "GBP",
  features: {newCheckout: true, wishlist: false}, analytics: {enabled: false}, tracking: null};`,
	"first-party CDN loader": `(function () {
  var s = document.createElement('script');
  s.src = 'https://cdn.example.com/assets/app.9f3c1e.js';
  s.async = true;
  document.head.appendChild(s);
})();`,
	"own consent defaults": `window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('consent', 'default', {ad_storage: 'denied', analytics_storage: 'denied', wait_for_update: 500});
dataLayer.push({event: 'page_type', pageType: 'product'});`,
	"share links": `var u = encodeURIComponent(location.href);
document.getElementById('share-x').href = 'https://twitter.com/intent/tweet?url=' + u;
document.getElementById('share-fb').href = 'https://www.facebook.com/sharer/sharer.php?u=' + u;
document.getElementById('share-li').href = 'https://www.linkedin.com/sharing/share-offsite/?url=' + u;
document.getElementById('directions').href = 'https://www.google.com/maps/dir/?api=1&destination=' + encodeURIComponent('1 Main St');`,
	"theme cookie": `var dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
document.cookie = 'theme=' + (dark ? 'dark' : 'light') + '; path=/; max-age=31536000; samesite=lax';
document.documentElement.dataset.theme = dark ? 'dark' : 'light';`,
	"own event beacon": `function trackEvent(name, props) {
  navigator.sendBeacon('/events', JSON.stringify({name: name, props: props, ts: Date.now()}));
}
var myAnalytics = {init: function () {}, load: function () {}};
myAnalytics.init(); myAnalytics.load(); trackEvent('page_view', {path: location.pathname});`,
	"form validation": `document.querySelector('form.signup').addEventListener('submit', function (e) {
  var email = this.elements.email.value;
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) { e.preventDefault(); this.querySelector('.error').hidden = false; }
});`,
	"lazy images": `var io = new IntersectionObserver(function (entries) {
  entries.forEach(function (en) { if (en.isIntersecting) { en.target.src = en.target.dataset.src; io.unobserve(en.target); } });
});
document.querySelectorAll('img[data-src]').forEach(function (img) { io.observe(img); });`,
	"service worker": `if ('serviceWorker' in navigator) {
  window.addEventListener('load', function () { navigator.serviceWorker.register('/sw.js', {scope: '/'}); });
}`,
	"search autocomplete": `const input = document.querySelector('#q');
input.addEventListener('input', async () => {
  const res = await fetch('/search/suggest?q=' + encodeURIComponent(input.value));
  renderSuggestions(await res.json());
});`,
	"hydration data": `window.__NEXT_DATA__ = {"props":{"pageProps":{"user_account":{"id":1},"s_account":"x","params":{"slug":"nimbus-x"}}},
"page":"/products/[slug]","buildId":"abc123","isFallback":false,"gssp":true,"locale":"en"};`,
	"own video player": `const v = document.querySelector('video.hero');
v.addEventListener('play', () => v.closest('figure').classList.add('playing'));
v.src = '/media/hero-1080p.mp4';`,
	"tag configuration naming loader URLs": `window.TAGS = {gtm: "https://www.googletagmanager.com/gtm.js?id=GTM-1",
  clarity: "https://www.clarity.ms/tag/abc", hotjar: "https://static.hotjar.com/c/hotjar-1.js?sv=6",
  segment: "https://cdn.segment.com/analytics.js/v1/KEY/analytics.min.js", yt: "https://www.youtube.com/iframe_api",
  pixel: "https://www.facebook.com/tr?id=1", uet: "//bat.bing.com/bat.js", ga: "https://www.google-analytics.com/analytics.js"};`,
	"site configuration naming vendors": `window.SITE = {privacyNotice: "/privacy", vendors: [
  {name: "Meta", script: "https://connect.facebook.net/en_US/fbevents.js"},
  {name: "Matomo", url: "https://example.matomo.cloud/"}, {name: "HubSpot", url: "https://js.hs-scripts.com/1.js"}]};`,
	"date formatting": `document.querySelectorAll('time[datetime]').forEach(function (t) {
  t.textContent = new Intl.DateTimeFormat(document.documentElement.lang, {dateStyle: 'medium'}).format(new Date(t.dateTime));
});`,
}

// TestCataloguePatternsSpareFirstPartyScripts: the site's own inline
// scripts stay untouched whatever the visitor refused.
func TestCataloguePatternsSpareFirstPartyScripts(t *testing.T) {
	m := newCatalogueConsent(t).match
	if len(m.Patterns()) < 50 {
		t.Fatalf("matcher has %d patterns, want the catalogue's", len(m.Patterns()))
	}
	for name, body := range firstPartyScripts {
		if cat, p := inlineCategory(m, body); cat != "" {
			t.Errorf("%s: pattern %q (%s) matches a first-party script", name, p, cat)
		}
	}
}

// TestCatalogueCookieFilter checks which cookie names the catalogue makes
// the Set-Cookie and Cookie filters act on.
func TestCatalogueCookieFilter(t *testing.T) {
	m := newCatalogueConsent(t).match
	for _, tc := range []struct{ name, want string }{
		{"_ga", Analytics}, {"_ga_ABC123", Analytics}, {"_gid", Analytics}, {"_gat_UA-1-1", Analytics},
		{"_gcl_au", Advertising}, {"__gads", Advertising}, {"_fbp", Advertising}, {"_fbc", Advertising},
		{"_clck", Analytics}, {"_uetsid", Advertising}, {"_hjSessionUser_123", Analytics}, {"_hjFirstSeen", Analytics},
		{"li_fat_id", Advertising}, {"_ttp", Advertising}, {"_pin_unauth", Advertising}, {"_scid", Advertising},
		{"cto_bundle", Advertising}, {"AMCV_ABC%40AdobeOrg", Analytics}, {"ajs_anonymous_id", Analytics},
		{"mp_abc_mixpanel", Analytics}, {"AMP_abcdef1234", Analytics}, {"AMP_TOKEN", Analytics},
		{"__hstc", Analytics}, {"hubspotutk", Analytics}, {"intercom-id-abc", Analytics},
		{"_pk_id.1.abcd", Analytics}, {"_ym_uid", Analytics}, {"Hm_lvt_abc", Analytics},
		{"__qca", Advertising}, {"_rdt_uuid", Advertising},
		// The long tail, from the cookie database: distinctive names of a
		// vendor matched by host.
		{"_cs_id", Analytics}, {"_lo_uid", Analytics}, {"__kla_id", Advertising}, {"_sp_id.1fff", Analytics},
		// Declared only: short, generic or a consent tool's own names, and
		// names of vendors not matched by host.
		{"euconsent-v2", ""}, {"usprivacy", ""}, {"mtm_consent", ""}, {"BIGipServerpool", ""},
		{"_fa_id", ""}, {"_fad", ""},
		// Third-party names never reach the site: left out of the filters.
		{"IDE", ""}, {"test_cookie", ""}, {"PREF", ""}, {"YSC", ""}, {"fr", ""}, {"NID", ""},
		{"bcookie", ""}, {"MUID", ""}, {"mc", ""},
		// The site's own cookies.
		{"session", ""}, {"PHPSESSID", ""}, {"JSESSIONID", ""}, {"csrftoken", ""}, {"XSRF-TOKEN", ""},
		{"lang", ""}, {"locale", ""}, {"theme", ""}, {"cart", ""}, {"currency", ""},
		{"wordpress_logged_in_abc", ""}, {"__Host-session", ""}, {"_shopify_y", ""}, {"consent", ""},
		{"_gaming_prefs", ""}, {"ampersand", ""},
	} {
		if got := m.Cookie(tc.name); got != tc.want {
			t.Errorf("cookie %s: category %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestWithCatalogue(t *testing.T) {
	vendors := []Vendor{
		{Vendor: "A", Category: Analytics, Hosts: []string{"a.example"}, Patterns: []string{"a.example/x.js"},
			Cookies: []VendorCookie{{Name: "_a", Party: FirstParty}, {Name: "a3", Party: ThirdParty, Host: "a.example"}}},
	}
	cats, err := withCatalogue(DefaultCategories(), vendors)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Key != Analytics {
			if len(c.Hosts)+len(c.Patterns)+len(c.Cookies) != 0 {
				t.Errorf("category %s got vendor data: %+v", c.Key, c)
			}
			continue
		}
		if strings.Join(c.Hosts, ",") != "a.example" || strings.Join(c.Patterns, ",") != "a.example/x.js" ||
			strings.Join(c.Cookies, ",") != "_a" {
			t.Errorf("analytics = %+v, want the host, pattern and first-party cookie only", c)
		}
	}
	vendors[0].Category = "marketing"
	if _, err := withCatalogue(DefaultCategories(), vendors); err == nil || !strings.Contains(err.Error(), `"marketing"`) {
		t.Errorf("unknown category: err = %v", err)
	}
}

func TestCookieInfo(t *testing.T) {
	for _, tc := range []struct{ name, cookie, vendor, category, party string }{
		{"_ga", "_ga", "Google Analytics", Analytics, FirstParty},
		{"_ga_ABC123", "_ga_*", "Google Analytics", Analytics, FirstParty},
		{"_ga_*", "_ga_*", "Google Analytics", Analytics, FirstParty},
		{"IDE", "IDE", "Google advertising (Google Ads, DoubleClick, AdSense, Ad Manager)", Advertising, ThirdParty},
		// The longest prefix wins over the catch-all.
		{"_hjSessionUser_42", "_hjSessionUser_*", "Hotjar", Analytics, FirstParty},
		{"_hjSomethingNew", "_hj*", "Hotjar", Analytics, FirstParty},
		// The cookie database adds declarations to the hand-written vendors.
		{"_hjFirstSeen", "_hjFirstSeen", "Hotjar", Analytics, FirstParty},
		{"AMP_MKTG_abc", "AMP_MKTG_*", "Amplitude", Analytics, FirstParty},
		{"AMP_abc", "AMP_*", "Amplitude", Analytics, FirstParty},
		// An exact name wins over another vendor's prefix.
		{"AMP_TOKEN", "AMP_TOKEN", "Google Analytics", Analytics, FirstParty},
		{"_fbp", "_fbp", "Meta Pixel and Facebook", Advertising, FirstParty},
		// A generic name is declared as the dataset knows it: third party,
		// so it never reaches the filters.
		{"lang", "lang", "LinkedIn Insight Tag", Advertising, ThirdParty},
	} {
		c, v, ok := CookieInfo(tc.name)
		if !ok || c.Name != tc.cookie || v.Vendor != tc.vendor || v.Category != tc.category || c.Party != tc.party {
			t.Errorf("CookieInfo(%q) = %q of %q (%s, %s), %v; want %q of %q (%s, %s)",
				tc.name, c.Name, v.Vendor, v.Category, c.Party, ok, tc.cookie, tc.vendor, tc.category, tc.party)
		}
		if ok && (c.Purpose == "" || c.Lifetime == "") {
			t.Errorf("CookieInfo(%q): purpose %q, lifetime %q", tc.name, c.Purpose, c.Lifetime)
		}
	}
	for _, name := range []string{"", "session", "_g", "ga", "_gaX", "social_uid"} {
		if c, v, ok := CookieInfo(name); ok {
			t.Errorf("CookieInfo(%q) = %q of %q, want not found", name, c.Name, v.Vendor)
		}
	}
	// The returned vendor is a copy: changing it leaves the catalogue alone.
	_, v, _ := CookieInfo("_ga")
	v.Cookies[0].Purpose = "changed"
	v.Hosts[0] = "changed.example"
	if c, v2, _ := CookieInfo("_ga"); c.Purpose == "changed" || v2.Hosts[0] == "changed.example" {
		t.Errorf("CookieInfo returned shared state")
	}
}

func TestLookupCookieTies(t *testing.T) {
	vendors := []Vendor{
		{Vendor: "first", Cookies: []VendorCookie{{Name: "x_*"}, {Name: "x_long_*"}}},
		{Vendor: "second", Cookies: []VendorCookie{{Name: "x_*"}, {Name: "x_long_name"}}},
	}
	for _, tc := range []struct{ name, cookie, vendor string }{
		{"x_a", "x_*", "first"},
		{"x_long_a", "x_long_*", "first"},
		{"x_long_name", "x_long_name", "second"},
	} {
		c, v, ok := LookupCookie(vendors, tc.name)
		if !ok || c.Name != tc.cookie || v.Vendor != tc.vendor {
			t.Errorf("LookupCookie(%q) = %q of %q, %v; want %q of %q", tc.name, c.Name, v.Vendor, ok, tc.cookie, tc.vendor)
		}
	}
}

// TestBareConsentDeclaresNoDemoVendor: the demo's fake vendors are the
// demo's configuration (the root Caddyfile); a bare consent neither
// matches them nor names them in the guard's table, the banner, the cookie
// declaration or the notice a consent record proves.
func TestBareConsentDeclaresNoDemoVendor(t *testing.T) {
	c := newCatalogueConsent(t)
	for _, h := range []string{"analytics.localhost", "ads.localhost", "social.localhost"} {
		if got := c.match.ClassifyHost(h); got != "" {
			t.Errorf("host %s: category %q", h, got)
		}
	}
	for _, name := range []string{"_fa_id", "_fad", "analytics_uid", "ads_uid", "social_uid"} {
		if got := c.match.ClassifyCookie(name); got != "" {
			t.Errorf("cookie %s: category %q", name, got)
		}
	}
	demo := regexp.MustCompile(`(?i)\.localhost|example\.com|demo (analytics|ads|social)|\(test site\)|\b(_fa_id|_fad|analytics_uid|ads_uid|social_uid)\b`)
	texts := map[string][]byte{"#consent-hosts": c.texts.hosts, "the guard's host table": c.texts.table.Body()}
	for _, lang := range c.texts.offered {
		texts["config."+lang] = c.texts.configJSON(lang)
		texts["cookies."+lang] = c.texts.cookieDetailsJSON(lang)
		for _, cat := range c.declaration(lang, &State{}) {
			for _, v := range cat.Vendors {
				texts["declaration vendor."+lang] = append(texts["declaration vendor."+lang], v+"\n"...)
			}
			for _, ck := range cat.Cookies {
				texts["declaration."+lang] = append(texts["declaration."+lang], ck.Name+" "+ck.Vendor+" "+ck.Host+"\n"...)
			}
		}
	}
	for what, b := range texts {
		if len(b) == 0 {
			t.Errorf("%s is empty", what)
		}
		if m := demo.Find(b); m != nil {
			t.Errorf("%s names a demo vendor: %q", what, m)
		}
	}
}

// TestInlineTableKeepsToHandWritten: the whole catalogue reaches the
// matcher (and the guard's host table, a cached file), but the guard's
// inline part (path prefixes) and the banner list only the hand-written
// vendors, so the bytes every page carries do not grow with the datasets.
func TestInlineTableKeepsToHandWritten(t *testing.T) {
	hand, whole := scaleConsent(t, false), scaleConsent(t, true)
	if h, w := hand.match.HostCount(), whole.match.HostCount(); w < 1500 || w < 10*h {
		t.Errorf("matcher hosts: %d with the catalogue, %d hand-written; want the datasets' too", w, h)
	}
	if h, w := len(hand.texts.hosts), len(whole.texts.hosts); w != h || w > 2500 {
		t.Errorf("#consent-hosts: %d bytes with the catalogue, %d hand-written", w, h)
	}
	r := httptest.NewRequest("GET", "/", nil)
	var hb, wb bytes.Buffer
	hh, _, _ := hand.injection(&hb, r, &State{Categories: map[string]bool{}}, nil)
	wh, _, _ := whole.injection(&wb, r, &State{Categories: map[string]bool{}}, nil)
	if len(wh) != len(hh) {
		t.Errorf("injected head: %d bytes with the catalogue, %d hand-written", len(wh), len(hh))
	}
	for _, lang := range whole.texts.offered {
		if h, w := len(hand.texts.configJSON(lang)), len(whole.texts.configJSON(lang)); w > h+h/10 {
			t.Errorf("banner configuration (%s): %d bytes with the catalogue, %d hand-written", lang, w, h)
		}
	}
	// The long tail is matched all the same.
	if got := whole.match.Host("static.chartbeat.com"); got != Analytics {
		t.Errorf("static.chartbeat.com: %q", got)
	}
}

package sdk

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

const xssScript = `</script><script>alert(1)</script>`

// xssOptions puts markup into every banner text an operator may override.
func xssOptions() Options {
	evil := `"'><script>alert(1)</script><img src=x onerror=alert(1)>`
	texts := map[string]string{}
	for _, k := range []string{"title", "body", "privacy_link", "cookies_link", "accept_all", "reject_all", "customise", "save"} {
		texts[k] = k + evil
	}
	return Options{
		Texts:      map[string]map[string]string{"": texts},
		PrivacyURL: `/privacy"><script>alert(1)</script>`,
		CookieURL:  `/cookies' onmouseover='alert(1)`,
		Languages:  []string{"en"},
		Categories: []Category{
			{Key: Analytics, Label: xssScript, Description: `<!--<script>alert(1)//-->` + evil,
				Cookies: []string{"_st<script>", `_q"x`}},
			{Key: "extra", Label: `<svg onload=alert(1)>`, Hosts: []string{"extra.example.net"}},
		},
	}
}

// scriptsAndHandlers tokenises page and returns the script elements (as
// their attribute strings) and every on* attribute found.
func scriptsAndHandlers(page string) (scripts []string, handlers []string) {
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return scripts, handlers
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			var attrs []string
			for _, a := range tok.Attr {
				attrs = append(attrs, a.Key+"="+a.Val)
				if strings.HasPrefix(a.Key, "on") {
					handlers = append(handlers, tok.Data+" "+a.Key)
				}
			}
			if tok.Data == "script" {
				scripts = append(scripts, strings.Join(attrs, " "))
			}
		}
	}
}

// findByID returns the element with id in the parsed document.
func findByID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				return n
			}
		}
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if f := findByID(ch, id); f != nil {
			return f
		}
	}
	return nil
}

func renderPage(t *testing.T, c *Consent, rawQuery string) string {
	t.Helper()
	r := httptest.NewRequest("GET", "http://shop.example/item", nil)
	r.URL.RawQuery = rawQuery
	w := httptest.NewRecorder()
	c.Handler(htmlHandler(`<!doctype html><html><head><title>t</title></head><body><p>hi</p></body></html>`, nil)).ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	return w.Body.String()
}

func TestAttackXSSInjectedMarkup(t *testing.T) {
	base := newTestConsent(t, Options{Languages: []string{"en"}})
	o := xssOptions()
	c := newTestConsent(t, o)
	query := `q="><script>alert(2)</script>&r='><svg/onload=alert(3)>`
	want, _ := scriptsAndHandlers(renderPage(t, base, ""))
	page := renderPage(t, c, query)
	got, handlers := scriptsAndHandlers(page)
	if len(got) != len(want) {
		t.Errorf("hostile texts changed the script elements: %d, want %d:\n%q", len(got), len(want), got)
	}
	if len(handlers) != 0 {
		t.Errorf("event handler attributes appeared: %q", handlers)
	}

	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	// The inline state is one script element that parses as JSON.
	if st := findByID(doc, "consent-state"); st == nil || st.FirstChild == nil || !json.Valid([]byte(st.FirstChild.Data)) {
		t.Errorf("the page's #consent-state is missing or does not parse")
	}
	// The configuration in the configuration script parses back to the exact
	// operator strings.
	var cfg bannerConfig
	if err := json.Unmarshal(configScriptJSON(t, c, page), &cfg); err != nil {
		t.Fatalf("the configuration script does not parse: %v", err)
	}
	if cfg.PrivacyURL != o.PrivacyURL || cfg.CookieURL != o.CookieURL {
		t.Errorf("URLs came back as %q, %q", cfg.PrivacyURL, cfg.CookieURL)
	}
	for k, v := range o.Texts[""] {
		if cfg.Texts[k] != v {
			t.Errorf("text %s came back as %q, want %q", k, cfg.Texts[k], v)
		}
	}
	labels := map[string]string{}
	for _, cat := range cfg.Categories {
		labels[cat.Key] = cat.Label
	}
	if labels[Analytics] != xssScript || labels["extra"] != `<svg onload=alert(1)>` {
		t.Errorf("labels came back as %q", labels)
	}
	// The no-JavaScript form returns to this page, its markup inert (the
	// form itself is tokenised in TestAttackXSSNoJSFormTokens).
	if !strings.Contains(page, `name="return" value="/item?q=`) {
		t.Errorf("the no-JS form's return field lost the page path")
	}
	if strings.Contains(page, `"><script>alert(2)`) || strings.Contains(page, `'><svg/onload`) {
		t.Errorf("the request URL reached the page unescaped")
	}
	for _, s := range []string{"<script>alert(1)</script>", "<img src=x onerror"} {
		if strings.Contains(page, s) {
			t.Errorf("page carries raw %q", s)
		}
	}
}

// TestAttackXSSNoJSFormTokens: the no-JavaScript form, tokenised on its
// own as a browser without scripting parses noscript content, holds one
// form, three buttons (Accept, Reject and Customise, which goes to the
// declaration page), one hidden input, two links and nothing else active.
func TestAttackXSSNoJSFormTokens(t *testing.T) {
	o := xssOptions()
	c := newTestConsent(t, o)
	var b bytes.Buffer
	c.texts.appendNoJSForm(&b, "en", RegimeOptIn, safeReturn(`/item?q="><script>alert(2)</script>`))
	inner := b.String()
	z := html.NewTokenizer(strings.NewReader(inner))
	counts := map[string]int{}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			tok := z.Token()
			counts[tok.Data]++
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("handler %s on <%s>", a.Key, tok.Data)
				}
				if tok.Data == "a" && a.Key == "href" && a.Val != o.PrivacyURL && a.Val != o.CookieURL {
					t.Errorf("link href %q, want the configured URL verbatim", a.Val)
				}
				if tok.Data == "input" && a.Key == "value" && !strings.HasPrefix(a.Val, "/item?q=") {
					t.Errorf("return value %q", a.Val)
				}
			}
		}
	}
	want := map[string]int{"form": 1, "button": 3, "input": 1, "a": 2, "p": 1, "strong": 1}
	for k, n := range counts {
		if want[k] != n {
			t.Errorf("the form has %d <%s>, want %d (all: %v)", n, k, want[k], counts)
		}
	}
}

func TestAttackXSSCookieDeclaration(t *testing.T) {
	base := newTestConsent(t, Options{Languages: []string{"en"}})
	c := newTestConsent(t, xssOptions())
	get := func(c *Consent) string {
		r := httptest.NewRequest("GET", "http://shop.example/_consent/cookies", nil)
		w := serve(c, r)
		if w.Code != http.StatusOK {
			t.Fatalf("declaration: %d", w.Code)
		}
		return w.Body.String()
	}
	want, _ := scriptsAndHandlers(get(base))
	page := get(c)
	got, handlers := scriptsAndHandlers(page)
	if len(got) != len(want) || len(handlers) != 0 {
		t.Errorf("declaration: scripts %q (want %d), handlers %q", got, len(want), handlers)
	}
	for _, s := range []string{"<script>alert(1)</script>", "<svg onload", "<img src=x onerror", "_st<script>", `href="/privacy"><script>`} {
		if strings.Contains(page, s) {
			t.Errorf("declaration carries raw %q", s)
		}
	}
	if !strings.Contains(page, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the analytics label is not shown escaped")
	}
}

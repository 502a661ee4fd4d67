package admin

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk"
	"github.com/consentry/consentry/sdk/consentlog"

	"golang.org/x/net/html"
)

const xss = `"'><script>alert(1)</script><img src=x onerror=alert(1)>`

// activeMarkup tokenises page and lists script elements and on* handlers.
func activeMarkup(page string) []string {
	var found []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return found
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "script" {
				found = append(found, "<script>")
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "on") {
					found = append(found, tok.Data+" "+a.Key)
				}
				if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					found = append(found, tok.Data+" "+a.Key+"="+a.Val)
				}
			}
		}
	}
}

func hostileAdmin(t *testing.T) http.Handler {
	t.Helper()
	rec := record(0, now.Add(-time.Hour), "opt-in", "analytics")
	rec.SubjectID = "subject" + xss
	rec.Site = "shop.example" + xss
	rec.PolicyVersion = "v" + xss
	rec.Jurisdiction = "DE" + xss
	rec.Channel = "form" + xss
	rec.PagePath = "/p" + xss
	rec.Granted = append(rec.Granted, "cat"+xss)
	rec.CollectionMethod = "javascript:alert(1)"
	notice := consentlog.NewNotice("2026-11"+xss, "en"+xss,
		[]byte(`{"texts":{"title":"`+strings.ReplaceAll(xss, `"`, `\"`)+`","</script><script>alert(1)</script>":"x"}}`))
	rec.NoticeHash = notice.Hash
	store := newFakeStore(rec)
	_ = store.Insert(t.Context(), []consentlog.Notice{notice}, nil)

	inv := sdk.NewInventory(0)
	inv.Observe(sdk.KindCookie, "_c"+xss, "shop.example"+xss, "analytics", "Vendor"+xss, now)
	inv.Observe(sdk.KindHost, "evil.example"+xss, "shop.example", "", "", now)
	h, err := New(Options{Store: store, Inventory: inv, Title: "Admin" + xss,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestAttackAdminEscapesStoredText: record fields, notice content,
// inventory names and the title — all text an attacker may influence
// (through the request that made a record, the page path, a cookie the
// upstream set) — render as text in every HTML view.
func TestAttackAdminEscapesStoredText(t *testing.T) {
	h := hostileAdmin(t)
	var hash string
	for _, target := range []string{"/", "/records", "/records?format=html&limit=10", "/inventory?format=html", "/stats"} {
		res, body := get(t, h, "GET", target, "Accept", "text/html")
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d", target, res.StatusCode)
			continue
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		if a := activeMarkup(body); len(a) != 0 {
			t.Errorf("%s: active markup from stored text: %q", target, a)
		}
		if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: raw markup in the page", target)
		}
		if i := strings.Index(body, `href="notices/`); i >= 0 && hash == "" {
			hash = body[i+len(`href="notices/`):]
			hash = hash[:strings.IndexByte(hash, '"')]
		}
	}
	if hash == "" {
		t.Fatal("no notice link in the records page")
	}
	res, body := get(t, h, "GET", "/notices/"+hash)
	if res.StatusCode != 200 {
		t.Fatalf("notice page: %d", res.StatusCode)
	}
	if a := activeMarkup(body); len(a) != 0 {
		t.Errorf("notice page: active markup %q", a)
	}
}

// FuzzAdminParams sends arbitrary paths, query strings and Accept headers
// to the admin handler: it never panics and never answers 5xx (the fake
// store does not fail), and a 400 carries a message.
func FuzzAdminParams(f *testing.F) {
	for _, s := range [][3]string{
		{"/records", "from=2026-11-01&to=2026-11-30&limit=10", "text/html"},
		{"/records", "subject=abc&event=decision&format=csv", ""},
		{"/stats", "days=400", "application/json"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	store := newFakeStore(seq(40, now.Add(-72*time.Hour))...)
	h, err := New(Options{Store: store, Inventory: testInventory(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, query, accept string) {
		u := &url.URL{Path: "/" + strings.TrimPrefix(path, "/"), RawQuery: query}
		r := httptest.NewRequest("GET", "/", nil)
		r.URL = u
		r.RequestURI = u.RequestURI()
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s?%s (Accept %q): status %d: %s", u.Path, query, accept, w.Code, w.Body.String())
		}
		if w.Code == 400 && strings.TrimSpace(w.Body.String()) == "" {
			t.Fatalf("%s?%s: 400 without a message", u.Path, query)
		}
	})
}

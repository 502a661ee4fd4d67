package admin

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// postClear posts form to target with the given headers.
func postClear(t *testing.T, h http.Handler, target, form string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// TestInventoryClear: the inventory page offers a form that clears the
// inventory; a same-origin post (or one from a client that is no browser)
// clears it and sends the browser back to the page.
func TestInventoryClear(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"browser", []string{"Origin", "http://example.com", "Sec-Fetch-Site", "same-origin"}},
		{"curl", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTest(t, newFakeStore())
			_, page := get(t, h, "GET", "/inventory?format=html")
			if !strings.Contains(page, `<form class="period" method="post" action="inventory"><input type="hidden" name="action" value="clear">`) {
				t.Fatalf("the inventory page has no clear form")
			}
			res := postClear(t, h, "/inventory", "action=clear", tc.header...)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/inventory?format=html" {
				t.Fatalf("status %d, Location %q; want 303 to the page", res.StatusCode, res.Header.Get("Location"))
			}
			if n := len(h.inventory.Snapshot().Items); n != 0 {
				t.Errorf("%d items after clearing", n)
			}
			if res.Header.Get("Content-Security-Policy") == "" {
				t.Error("no security headers on the answer")
			}
		})
	}
}

// TestInventoryClearRefused: cross-site posts, other methods, other
// fields and a missing inventory change nothing.
func TestInventoryClearRefused(t *testing.T) {
	h := newTest(t, newFakeStore())
	before := len(h.inventory.Snapshot().Items)
	for _, tc := range []struct {
		name, target, form string
		header             []string
		status             int
	}{
		{"cross-site", "/inventory", "action=clear", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"same-site", "/inventory", "action=clear", []string{"Sec-Fetch-Site", "same-site"}, 403},
		{"foreign origin", "/inventory", "action=clear", []string{"Origin", "https://evil.example"}, 403},
		{"null origin", "/inventory", "action=clear", []string{"Origin", "null"}, 403},
		{"no action", "/inventory", "", nil, 400},
		{"other action", "/inventory", "action=delete", nil, 400},
		{"extra field", "/inventory", "action=clear&x=1", nil, 400},
		{"other page", "/records", "action=clear", nil, 405},
	} {
		res := postClear(t, h, tc.target, tc.form, tc.header...)
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, res.StatusCode, tc.status)
		}
	}
	if n := len(h.inventory.Snapshot().Items); n != before || n == 0 {
		t.Errorf("%d items after refused posts, want %d", n, before)
	}

	none, err := New(Options{Store: newFakeStore(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if res := postClear(t, none, "/inventory", "action=clear"); res.StatusCode != 404 {
		t.Errorf("no inventory: status %d, want 404", res.StatusCode)
	}
}

package sdk

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzPostBody posts arbitrary bodies with arbitrary content types to
// POST /_consent through the handler. It never panics and never answers
// 5xx; a 200 carries exactly one valid consent cookie and a state JSON
// that a fresh GET with that cookie reproduces; a 303 stays on the site;
// anything refused sets no cookie.
func FuzzPostBody(f *testing.F) {
	for _, seed := range [][2]string{
		{"application/json", `{"action":"accept_all"}`},
		{"application/json", `{"action":"custom","categories":["analytics","preferences"]}`},
		{"application/x-www-form-urlencoded", "action=reject_all&return=%2Fshop"},
		{"multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\naccept_all\r\n--X--\r\n"},
	} {
		f.Add(seed[0], seed[1])
	}
	c, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	h := c.Handler(http.NotFoundHandler())
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q %q: %s", w.Code, contentType, body, w.Body.String())
		}
		var consent []*http.Cookie
		for _, ck := range w.Result().Cookies() {
			if ck.Name == "consent" {
				consent = append(consent, ck)
			}
		}
		switch w.Code {
		case http.StatusOK, http.StatusSeeOther:
			if len(consent) != 1 || consent[0].Value == "" || !consent[0].HttpOnly || consent[0].MaxAge <= 0 {
				t.Fatalf("status %d without one valid consent cookie: %q", w.Code, w.Header().Values("Set-Cookie"))
			}
			ch, err := c.codec.Decode(consent[0].Value)
			if err != nil {
				t.Fatalf("the cookie set does not decode: %v", err)
			}
			if w.Code == http.StatusSeeOther {
				if loc := w.Header().Get("Location"); !onSite(loc) {
					t.Fatalf("303 to %q", loc)
				}
				return
			}
			var s State
			if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
				t.Fatalf("200 body is not a state: %v: %q", err, w.Body.String())
			}
			if !s.Decided || s.ID != ch.ID || s.Method != ch.Method {
				t.Fatalf("state %+v does not match the cookie %+v", s, ch)
			}
			g := httptest.NewRequest("GET", "http://shop.example/_consent", nil)
			g.AddCookie(consent[0])
			gw := httptest.NewRecorder()
			h.ServeHTTP(gw, g)
			var again State
			if err := json.Unmarshal(gw.Body.Bytes(), &again); err != nil || again.ID != s.ID || len(again.Categories) != len(s.Categories) {
				t.Fatalf("GET with the new cookie: %v %+v, want %+v", err, again, s)
			}
			for k, v := range s.Categories {
				if again.Categories[k] != v {
					t.Fatalf("category %s: %v after GET, %v after POST", k, again.Categories[k], v)
				}
			}
		default:
			if len(w.Header().Values("Set-Cookie")) != 0 {
				t.Fatalf("status %d set cookies %q", w.Code, w.Header().Values("Set-Cookie"))
			}
		}
	})
}

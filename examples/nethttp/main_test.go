package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestExample(t *testing.T) {
	h, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := fetch(t, srv.URL+"/")
	for _, want := range []string{`id="consent-state"`, `type="text/plain"`, `data-category="analytics"`, "<h1>Hello</h1>"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if got := fetch(t, srv.URL+"/stats"); !strings.Contains(got, "analytics: refused") {
		t.Errorf("/stats before a choice = %q, want analytics refused", got)
	}

	// Accept all, then the server sees analytics granted.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/_consent", strings.NewReader(`{"action":"accept_all"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", srv.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_consent = %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/stats", nil)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	if got := fetchReq(t, req); !strings.Contains(got, "analytics: granted") {
		t.Errorf("/stats after accept_all = %q, want analytics granted", got)
	}
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fetchReq(t, req)
}

func fetchReq(t *testing.T, req *http.Request) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

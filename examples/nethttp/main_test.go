package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/admin"
)

func TestExample(t *testing.T) {
	clog, err := openLog(filepath.Join(t.TempDir(), "consent.db"))
	if err != nil {
		t.Fatal(err)
	}
	h, c, err := newHandler(clog)
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

	// The decision is in the log, and the admin view finds it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clog.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	adm, err := admin.New(admin.Options{Store: clog.Store(), Inventory: c.Inventory()})
	if err != nil {
		t.Fatal(err)
	}
	asrv := httptest.NewServer(adm)
	defer asrv.Close()
	if got := fetch(t, asrv.URL+"/records?format=json"); !strings.Contains(got, `"collection_method":"accept_all"`) {
		t.Errorf("admin records = %.300s, want the accept_all decision", got)
	}
	if err := clog.Close(ctx); err != nil {
		t.Fatal(err)
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

package caddymodule

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/sqlite"
)

// TestServerHosts: the consent log's sites default to the host names the
// server's routes match, less placeholders and what is not a host name.
func TestServerHosts(t *testing.T) {
	srv := &caddyhttp.Server{Routes: caddyhttp.RouteList{
		{MatcherSets: caddyhttp.MatcherSets{{&caddyhttp.MatchHost{"shop.example", "*.brand.example", "{env.HOST}"}}}},
		{MatcherSets: caddyhttp.MatcherSets{{caddyhttp.MatchHost{"shop.example", "localhost"}}, {caddyhttp.MatchPath{"/x"}}}},
		{}, // a catch-all route
	}}
	ctx := caddy.Context{Context: context.WithValue(context.Background(), caddyhttp.ServerCtxKey, srv)}
	if got, want := serverHosts(ctx), []string{"shop.example", "*.brand.example", "localhost"}; !slices.Equal(got, want) {
		t.Errorf("serverHosts = %q, want %q", got, want)
	}
	if got := serverHosts(caddy.Context{Context: context.Background()}); got != nil {
		t.Errorf("serverHosts without a server = %q", got)
	}
}

// TestIntegrationRecordSite: through Caddy, a decision on a site block's
// host is recorded under that host, found in the site's address.
func TestIntegrationRecordSite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "consent.db")
	tester := caddytest.NewTester(t)
	tester.InitServer(fmt.Sprintf(testGlobal, "")+`
http://localhost:9080 {
	consent {
		log sqlite `+db+`
	}
	respond "ok"
}
`, "caddyfile")
	if resp, body := postChoice(t, `{"action":"reject_all"}`, nil); resp.StatusCode != 200 {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var recs []consentlog.Record
	for deadline := time.Now().Add(10 * time.Second); len(recs) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if recs, err = st.Find(context.Background(), consentlog.Query{}); err != nil {
			t.Fatal(err)
		}
	}
	if len(recs) != 1 || recs[0].Site != "localhost" {
		t.Errorf("records %+v, want one with site localhost", recs)
	}
}

// TestIntegrationCookieDomainMismatchMetric: a request for a host that
// cookie_domain does not cover is counted in
// consentry_cookie_domain_mismatches_total.
func TestIntegrationCookieDomainMismatchMetric(t *testing.T) {
	tester := caddytest.NewTester(t)
	tester.InitServer(fmt.Sprintf(testGlobal, "")+`
:9080 {
	consent {
		cookie_domain example.com
		log off
	}
	respond "ok"
}
`, "caddyfile")
	before := counterValue(t, metrics.domainMiss)
	for range 3 {
		fetch(t, "GET", "/", nil) // Host: localhost
	}
	fetch(t, "GET", "/", map[string]string{"Host": "www.example.com"})
	if got := counterValue(t, metrics.domainMiss) - before; got != 3 {
		t.Errorf("consentry_cookie_domain_mismatches_total grew by %v, want 3", got)
	}
}

// counterValue reads a counter through the Prometheus registry, as a
// scrape would.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || len(mfs[0].GetMetric()) != 1 {
		t.Fatalf("gather: %v %v", mfs, err)
	}
	return mfs[0].GetMetric()[0].GetCounter().GetValue()
}

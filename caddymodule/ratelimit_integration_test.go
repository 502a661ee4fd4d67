package caddymodule

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// metricValue reads one sample of Caddy's metrics, 0 when absent.
func metricValue(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := http.Get("http://localhost:2999/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestIntegrationDecisionRateLimit: with "rate_limit 4 2" (a burst of 2
// per client network), a third decision from the test's address is a 429
// with Retry-After and counted in consentry_decisions_rate_limited_total;
// an identical repeat by the same visitor is answered but collapsed, and
// counted in consentry_decisions_collapsed_total.
func TestIntegrationDecisionRateLimit(t *testing.T) {
	tester := caddytest.NewTester(t)
	tester.InitServer(testSiteConfig("", "log off\n\t\trate_limit 4 2"), "caddyfile")
	limited := `consentry_decisions_rate_limited_total{limit="client"}`
	collapsed := `consentry_decisions_collapsed_total`
	limitedBefore, collapsedBefore := metricValue(t, limited), metricValue(t, collapsed)

	resp, body := postChoice(t, `{"action":"accept_all"}`, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first decision: %d %s", resp.StatusCode, body)
	}
	cookie := consentCookie(t, resp)
	resp, body = postChoice(t, `{"action":"accept_all"}`, map[string]string{"Cookie": cookie.Name + "=" + cookie.Value})
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		t.Fatalf("identical repeat: %d %s, cookies %q", resp.StatusCode, body, resp.Header.Values("Set-Cookie"))
	}
	if resp, body = postChoice(t, `{"action":"reject_all"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("second visitor: %d %s", resp.StatusCode, body)
	}
	resp, _ = postChoice(t, `{"action":"reject_all"}`, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || len(resp.Cookies()) != 0 {
		t.Errorf("third visitor: %d, Retry-After %q, cookies %q; want 429 with Retry-After and no cookie",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Values("Set-Cookie"))
	}
	if got := metricValue(t, limited) - limitedBefore; got != 1 {
		t.Errorf("%s grew by %v, want 1", limited, got)
	}
	if got := metricValue(t, collapsed) - collapsedBefore; got != 1 {
		t.Errorf("%s grew by %v, want 1", collapsed, got)
	}
}

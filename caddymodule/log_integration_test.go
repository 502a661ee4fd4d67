package caddymodule

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/sqlite"
)

// TestIntegrationConsentLogAdminMetrics runs a site with a SQLite consent
// log and the admin view behind basic_auth: a decision lands in the log
// with the notice shown, the admin view finds it (and refuses without the
// password), the inventory lists the page's third-party host, and the
// metrics count the decision and the rewritten page.
func TestIntegrationConsentLogAdminMetrics(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "consent.db")
	tester := caddytest.NewTester(t)
	// The password is "consentry".
	tester.InitServer(fmt.Sprintf(testGlobal, "")+`
:9080 {
	consent {
		log sqlite `+db+` {
			ip hash
		}
		retention 30d
	}
	handle /consent-admin/* {
		basic_auth {
			admin $2a$10$WUdfHQPD1yRp6XLImIY74Os0K2MLbE9ZgJ4md./W2/4tRwNKWr0xq
		}
		consent_admin {
			log sqlite `+db+`
			title Shop admin
			sites shop.example *.example.com
		}
	}
	handle {
		header Content-Type "text/html; charset=utf-8"
		respond <<HTML
			`+strings.ReplaceAll(testPage, "\n", "\n\t\t\t")+`
			HTML 200
	}
}
`, "caddyfile")

	resp, body := get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, `type="text/plain"`) {
		t.Fatalf("page not rewritten: %d %.300s", resp.StatusCode, body)
	}
	resp, body = postChoice(t, `{"action":"custom","categories":["analytics"]}`, map[string]string{
		"Referer": testSite + "/products", "Accept-Language": "fr"})
	if resp.StatusCode != 200 {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	consentCookie(t, resp)

	// The decision reaches the SQLite file.
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var recs []consentlog.Record
	deadline := time.Now().Add(10 * time.Second)
	for len(recs) == 0 && time.Now().Before(deadline) {
		recs, err = st.Find(context.Background(), consentlog.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if len(recs) != 1 {
		t.Fatalf("%d records in the log, want 1", len(recs))
	}
	r := recs[0]
	if r.CollectionMethod != "custom" || r.PagePath != "/products" || r.Language != "fr" ||
		!strings.HasPrefix(r.IP, "hmac:") || strings.Join(r.Granted, " ") != "analytics necessary" {
		t.Errorf("record %+v", r)
	}
	if _, ok, err := st.Notice(context.Background(), r.NoticeHash); err != nil || !ok {
		t.Errorf("the notice %s is not in the log (%v)", r.NoticeHash, err)
	}

	// The admin view: refused without the password, then the record by
	// consent id, as JSON.
	req, _ := http.NewRequest("GET", testSite+"/consent-admin/records?subject="+r.SubjectID+"&format=json", nil)
	if resp, _ := do(t, req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("admin without credentials: %d", resp.StatusCode)
	}
	req.SetBasicAuth("admin", "consentry")
	resp, body = do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(body, r.RecordID) {
		t.Errorf("admin lookup: %d %.300s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest("GET", testSite+"/consent-admin/inventory", nil)
	req.SetBasicAuth("admin", "consentry")
	resp, body = do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(body, `"www.googletagmanager.com"`) {
		t.Errorf("admin inventory: %d %.300s", resp.StatusCode, body)
	}

	// The overview: the sites to pick from, every site's decision, and
	// none on a site the decision was not made on.
	req, _ = http.NewRequest("GET", testSite+"/consent-admin/", nil)
	req.SetBasicAuth("admin", "consentry")
	resp, body = do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(body, `<option value="*.example.com"><option value="shop.example">`) ||
		!strings.Contains(body, `data-regime="opt-in"`) {
		t.Errorf("admin overview: %d, want the sites to pick from and the opt-in chart", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", testSite+"/consent-admin/?days=7&site=*.example.com", nil)
	req.SetBasicAuth("admin", "consentry")
	resp, body = do(t, req)
	if resp.StatusCode != 200 || strings.Contains(body, `data-regime=`) || !strings.Contains(body, `href="stats?days=7&amp;site=%2A.example.com"`) {
		t.Errorf("admin overview of *.example.com: %d, want no chart and the site kept", resp.StatusCode)
	}

	// Metrics, through Caddy's registry on the admin API.
	mresp, err := http.Get("http://localhost:2999/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer mresp.Body.Close()
	mb, _ := io.ReadAll(mresp.Body)
	metrics := string(mb)
	for _, want := range []string{
		`consentry_decisions_total{action="custom",regime="opt-in"}`,
		`consentry_decision_categories_total{category="analytics",granted="true",regime="opt-in"}`,
		`consentry_pages_rewritten_total`,
		`consentry_tags_neutralised_total{category="analytics"}`,
		`consentry_log_queue_depth{log="sqlite:` + db + `"} 0`,
		`consentry_log_store_up{log="sqlite:` + db + `"} 1`,
		`consentry_log_records_total{log="sqlite:` + db + `",outcome="written"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

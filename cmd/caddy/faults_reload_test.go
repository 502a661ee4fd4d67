package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentry/consentry/sdk/consentlog/sqlite"
)

// reloadSite is a site serving adPage through the consent handler with a
// SQLite log at db, under policy version v<version>.
func reloadSite(db string, version int) string {
	return fmt.Sprintf(`%s {
	consent {
		policy_version v%d
		log sqlite %s
		# The load comes from one address: no decision limits.
		rate_limit off off
	}
	header Content-Type "text/html; charset=utf-8"
	respond "%s"
}
`, siteToken, version, db, adPage)
}

// loadConfig posts a Caddyfile to the admin API's /load.
func loadConfig(in *instance, caddyfile string) error {
	req, _ := http.NewRequest("POST", in.admin+"/load", strings.NewReader(caddyfile))
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, err := faultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /load: %d %s", resp.StatusCode, b)
	}
	return nil
}

// TestFaultReloadUnderLoad reloads the config through the admin API five
// times, each with a new policy version, while 8 clients load pages and
// post decisions: every request is answered with a 200, the last version
// is the one in force, and every decision is in the SQLite log exactly
// once.
func TestFaultReloadUnderLoad(t *testing.T) {
	db := filepath.Join(t.TempDir(), "consent.db")
	in := startCaddyfile(t, "reload", reloadSite(db, 0))
	initial, err := os.ReadFile(in.config)
	if err != nil {
		t.Fatal(err)
	}

	l := startLoad(in.base, 8)
	stopped := false
	defer func() {
		if !stopped {
			l.finish()
		}
	}()
	l.waitDecisions(t, 50)
	const reloads = 5
	for v := 1; v <= reloads; v++ {
		next := strings.Replace(string(initial), "policy_version v0", fmt.Sprintf("policy_version v%d", v), 1)
		if err := loadConfig(in, next); err != nil {
			t.Fatalf("reload %d: %v", v, err)
		}
		l.waitDecisions(t, 100)
	}
	ids := l.finish()
	stopped = true
	l.checkNoFailures(t)

	if s := in.state(""); s["version"] != fmt.Sprintf("v%d", reloads) {
		t.Errorf("after %d reloads the policy version is %v", reloads, s["version"])
	}
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkSameIDs(t, waitRecords(t, st, len(ids)), ids)

	// The log's records name the versions they were made under.
	versions := map[string]int{}
	recs, err := allRecords(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		versions[r.PolicyVersion]++
	}
	for v := 0; v <= reloads; v++ {
		if versions[fmt.Sprintf("v%d", v)] == 0 {
			t.Errorf("no record under policy version v%d: %v", v, versions)
		}
	}
}

package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/sdk/consentlog"
)

// Helpers of the fault tests: Caddy started on a whole Caddyfile, a client
// that never waits forever, and the injected markup taken back out of a
// rewritten page.

// siteToken stands for the address of the site startCaddyfile probes.
const siteToken = "@SITE@"

// faultClient fails a request that takes more than 10 seconds: a hang is a
// failure, never a stuck test.
var faultClient = &http.Client{Timeout: 10 * time.Second}

// startCaddyfile starts Caddy on a Caddyfile made of a global options block
// (admin API and storage on fresh loopback ports and directories, no
// persisted config) and sites, in which every @SITE@ is replaced by the
// address (http://127.0.0.1:<port>) of a site that must run the consent
// handler: start waits until its /_consent answers.
func startCaddyfile(t *testing.T, name, sites string) *instance {
	t.Helper()
	dir := t.TempDir()
	port, adminPort := freePort(t), freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	caddyfile := fmt.Sprintf("{\n\tadmin 127.0.0.1:%d\n\tstorage file_system %s\n\tpersist_config off\n}\n\n%s",
		adminPort, filepath.Join(dir, "storage"), strings.ReplaceAll(sites, siteToken, base))
	in := &instance{
		t: t, name: name, bin: caddyBinary(t), config: filepath.Join(dir, "Caddyfile"), home: filepath.Join(dir, "home"),
		base: base, admin: fmt.Sprintf("http://127.0.0.1:%d", adminPort),
	}
	in.launch(caddyfile)
	return in
}

// fetch GETs url as a browser asking for a page, with the extra header
// lines given as name, value pairs, and reads the whole body.
func fetch(url string, header ...string) (*http.Response, []byte, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := faultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// The injected markup's bounds: the head injection runs from the state
// script to the deferred banner script (after the deferred configuration
// script), then the prefetch of the guard's file on a page with the guard
// inline (guard auto); the no-JavaScript form and its stylesheet are one
// <noscript> element.
var (
	headStart = `<script type="application/json" id="consent-state"`
	headEnd   = banner.JS().Name + `" defer></script>`
	prefetch  = `<link rel="prefetch" href="/_consent/` + banner.GuardFile().Name + `">`
	formStart = `<noscript><link rel="stylesheet" href="/_consent/` + banner.CSS().Name + `"><form method="post" action="/_consent" id="consentry-nojs"`
	formEnd   = `</form></noscript>`
)

// stripInjection removes the head injection and the no-JavaScript form
// from a rewritten page, and reports how many of each it found.
func stripInjection(page []byte) (rest []byte, heads, forms int) {
	s := string(page)
	s, heads = cutBetween(s, headStart, headEnd)
	s = strings.Replace(s, prefetch, "", 1)
	s, forms = cutBetween(s, formStart, formEnd)
	return []byte(s), heads, forms
}

// cutBetween removes every span from start to the first end after it.
func cutBetween(s, start, end string) (string, int) {
	n := 0
	for {
		i := strings.Index(s, start)
		if i < 0 {
			return s, n
		}
		j := strings.Index(s[i:], end)
		if j < 0 {
			return s, n
		}
		s = s[:i] + s[i+j+len(end):]
		n++
	}
}

// outputOf returns what a stopped instance wrote to stdout and stderr.
func outputOf(in *instance) string {
	in.t.Helper()
	if in.cmd != nil {
		in.t.Fatal("outputOf: the instance is still running")
	}
	return in.out.String()
}

// waitFor polls cond every 20ms until it holds, failing the test with what
// after the deadline.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// subjects returns the records' subject ids, sorted.
func subjects(recs []consentlog.Record) []string {
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r.SubjectID)
	}
	sort.Strings(ids)
	return ids
}

// checkSameIDs fails the test unless the store holds exactly one record per
// posted decision: got and posted are the same multiset of subject ids.
func checkSameIDs(t *testing.T, recs []consentlog.Record, posted []string) {
	t.Helper()
	got := subjects(recs)
	want := slices.Clone(posted)
	sort.Strings(want)
	if slices.Equal(got, want) {
		return
	}
	counts := map[string]int{}
	for _, id := range got {
		counts[id]++
	}
	var missing, twice int
	for _, id := range want {
		switch counts[id] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
		delete(counts, id)
	}
	t.Fatalf("the log holds %d records for %d decisions: %d decisions missing, %d recorded more than once, %d records of unknown subjects",
		len(got), len(want), missing, twice, len(counts))
}

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

package admin

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// siteRecords are decisions of three sites sharing one log, yesterday:
// 7 on shop.example (5 granting analytics), 11 on blog.example (1
// granting analytics), both opt-in, and 3 opt-out ones on the wildcard
// site *.example.com.
func siteRecords() []consentlog.Record {
	at := now.Add(-24 * time.Hour)
	var recs []consentlog.Record
	add := func(site, regime string, n, granted int) {
		for i := range n {
			var g []string
			if i < granted {
				g = []string{"analytics"}
			}
			r := record(len(recs), at.Add(time.Duration(len(recs))*time.Minute), regime, g...)
			r.Site = site
			recs = append(recs, r)
		}
	}
	add("shop.example", "opt-in", 7, 5)
	add("blog.example", "opt-in", 11, 1)
	add("*.example.com", "opt-out", 3, 3)
	return recs
}

// TestOverviewSiteFilter: several sites share one log; the overview with
// ?site= charts only that site's decisions, says which site it shows,
// keeps the site in the period form and in its export and statistics
// links, and links back to every site; without it every site adds up.
func TestOverviewSiteFilter(t *testing.T) {
	h := newTest(t, newFakeStore(siteRecords()...))

	res, body := get(t, h, "GET", "/?days=7&site=BLOG.example")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("overview of blog.example: %d %s", res.StatusCode, body)
	}
	for _, want := range []string{
		`<strong class="mono" id="site-shown">blog.example</strong>`,
		`>11 decisions`,
		`<td class="num">11</td><td class="num">0 (0.0%)</td><td class="num">1 (9.1%)</td>`,
		// The period form keeps the site, and the days chosen.
		`<input id="period-site" name="site" value="blog.example"`,
		`<option value="7" selected>`,
		`href="stats?days=7&amp;site=blog.example"`,
		`href="records?format=csv&amp;from=2026-11-18&amp;site=blog.example&amp;to=2026-11-24"`,
		`href="./?days=7">every site</a>`,
		`<input id="site" name="site" value="blog.example"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("overview of blog.example lacks %s", want)
		}
	}
	for _, not := range []string{">7 decisions", ">18 decisions", `data-regime="opt-out"`, ">3 decisions"} {
		if strings.Contains(body, not) {
			t.Errorf("overview of blog.example shows another site's numbers: %s", not)
		}
	}

	_, body = get(t, h, "GET", "/?site=*.example.com")
	if !strings.Contains(body, `data-regime="opt-out"`) || !strings.Contains(body, ">3 decisions") ||
		strings.Contains(body, `data-regime="opt-in"`) || !strings.Contains(body, `id="site-shown">*.example.com<`) {
		t.Errorf("overview of the wildcard site *.example.com: want its 3 opt-out decisions only")
	}

	_, body = get(t, h, "GET", "/?site=nowhere.example")
	if strings.Contains(body, "data-regime=") || !strings.Contains(body, "No decisions recorded in this period on nowhere.example.") {
		t.Errorf("overview of a site without decisions shows charts or no notice")
	}

	for _, target := range []string{"/", "/?site=", "/?days=30&site=%20"} {
		_, body = get(t, h, "GET", target)
		if !strings.Contains(body, ">18 decisions") || !strings.Contains(body, ">3 decisions") ||
			!strings.Contains(body, `<span id="site-shown">every site</span>`) || !strings.Contains(body, `href="stats?days=30"`) {
			t.Errorf("overview %s: want every site added up (18 opt-in, 3 opt-out decisions)", target)
		}
	}
}

// TestStatsSiteFilter: <base>/stats?site= counts one site's decisions and
// names the site.
func TestStatsSiteFilter(t *testing.T) {
	h := newTest(t, newFakeStore(siteRecords()...))
	for site, want := range map[string]int64{"shop.example": 7, "blog.example": 11, "": 21, "nowhere.example": 0} {
		res, body := get(t, h, "GET", "/stats?days=7&site="+site)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("stats of %q: %d %s", site, res.StatusCode, body)
		}
		var out struct {
			Site  string               `json:"site"`
			Stats []consentlog.DayStat `json:"stats"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, st := range out.Stats {
			if st.Category == "analytics" {
				total += st.Total
			}
		}
		if out.Site != site || total != want {
			t.Errorf("stats?site=%s: site %q, %d decisions; want %d", site, out.Site, total, want)
		}
	}
}

// TestOverviewHostileSite: a site that is not a site name is a 400 that
// says so, on the overview and the statistics alike, and never reaches a
// page unescaped.
func TestOverviewHostileSite(t *testing.T) {
	h := newTest(t, newFakeStore(siteRecords()...))
	for _, bad := range []string{
		"%22%3E%3Cscript%3Ealert(1)%3C/script%3E", "shop.example'%20OR%20'1'='1", "a%20b", "*.", "*",
		"shop.example%00", "shop.example/x", "%E2%80%AEexample", strings.Repeat("a", 254), "&site=x",
	} {
		for _, path := range []string{"/", "/stats"} {
			res, body := get(t, h, "GET", path+"?days=7&site="+bad)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "site") {
				t.Errorf("%s?site=%s: %d %q, want 400", path, bad, res.StatusCode, body)
			}
			// The message quotes the value, as plain text (nosniff).
			if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s?site=%s: answered as %q", path, bad, ct)
			}
		}
	}
	// A valid site is shown through html/template: it can only hold
	// letters, digits, '-', '.' and a leading "*.", and is escaped anyway.
	_, body := get(t, h, "GET", "/?site=*.example.com")
	if strings.Contains(body, "<script") || !strings.Contains(body, html.EscapeString("*.example.com")) {
		t.Errorf("wildcard site not shown as text")
	}
}

// TestOverviewSiteChoices: Options.Sites are offered in the site fields,
// in lower case, sorted, once each; a name that is not a site is an error
// of New.
func TestOverviewSiteChoices(t *testing.T) {
	h, err := New(Options{Store: newFakeStore(siteRecords()...), Now: func() time.Time { return now },
		Sites: []string{"Shop.example", "*.example.com", "shop.example", "blog.example"}})
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, h, "GET", "/?site=blog.example")
	want := `<datalist id="sites"><option value="*.example.com"><option value="blog.example"><option value="shop.example"></datalist>`
	if !strings.Contains(body, want) || strings.Count(body, `list="sites"`) != 2 {
		t.Errorf("overview lacks the sites to pick from %s in both site fields", want)
	}
	h, _ = New(Options{Store: newFakeStore(), Now: func() time.Time { return now }})
	if _, body := get(t, h, "GET", "/"); strings.Contains(body, "datalist") || strings.Contains(body, `list="sites"`) {
		t.Errorf("overview without Options.Sites offers an empty list")
	}
	for _, bad := range []string{"", "a b", "<script>", "*."} {
		if _, err := New(Options{Store: newFakeStore(), Sites: []string{"shop.example", bad}}); err == nil || !strings.Contains(err.Error(), "Options.Sites") {
			t.Errorf("New with site %q: err %v, want an Options.Sites error", bad, err)
		}
	}
}

// listingStore is a fakeStore that lists the sites of its records, as the
// SQL stores do (consentlog.SiteLister), or fails to with err.
type listingStore struct {
	*fakeStore
	listErr error
	asked   [][2]time.Time
}

func (s *listingStore) Sites(_ context.Context, from, to time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, [2]time.Time{from, to})
	if s.listErr != nil {
		return nil, s.listErr
	}
	var out []string
	for _, r := range s.records {
		if r.Site != "" && !r.EventTime.Before(from) && r.EventTime.Before(to) {
			out = append(out, r.Site)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// TestOverviewSiteChoicesFromTheLog: with a store that lists its sites,
// the overview offers the configured sites and the sites of the period's
// records together, sorted, once each, whichever site it shows; the
// period asked for is the overview's; a record of a name that is not a
// site is not offered; a store that fails to list them leaves the
// configured ones and the page.
func TestOverviewSiteChoicesFromTheLog(t *testing.T) {
	recs := siteRecords()
	old := record(len(recs), now.Add(-400*24*time.Hour), "opt-in")
	old.Site = "old.example"
	odd := record(len(recs)+1, now.Add(-time.Hour), "opt-in")
	odd.Site = "not a site"
	st := &listingStore{fakeStore: newFakeStore(append(recs, old, odd)...)}
	h, err := New(Options{Store: st, Now: func() time.Time { return now }, Sites: []string{"Config.example", "shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<datalist id="sites"><option value="*.example.com"><option value="blog.example"><option value="config.example"><option value="shop.example"></datalist>`
	for _, path := range []string{"/", "/?site=blog.example", "/?days=7"} {
		_, body := get(t, h, "GET", path)
		if !strings.Contains(body, want) || strings.Count(body, `list="sites"`) != 2 {
			t.Errorf("%s: the site fields do not offer %s", path, want)
		}
	}
	if got := st.asked[len(st.asked)-1]; got[1].Sub(got[0]) != 7*24*time.Hour {
		t.Errorf("Sites asked for %v to %v, want the 7 days shown", got[0], got[1])
	}
	st.listErr = errDown
	resp, body := get(t, h, "GET", "/")
	if resp.StatusCode != 200 || !strings.Contains(body, `<datalist id="sites"><option value="config.example"><option value="shop.example"></datalist>`) {
		t.Errorf("with the listing failing: %d, want 200 and the configured sites only", resp.StatusCode)
	}
}

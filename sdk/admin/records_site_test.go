package admin

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// TestRecordsSiteFilter: several sites share one log; ?site= selects one
// site's decisions, through every JSON page (the next links keep it), in
// the CSV export and in the HTML table, and a bad site is a 400.
func TestRecordsSiteFilter(t *testing.T) {
	recs := seq(600, now.Add(-48*time.Hour))
	var blog []consentlog.Record
	for i := range recs {
		if i%3 == 1 {
			recs[i].Site = "blog.example"
			blog = append(blog, recs[i])
		}
	}
	h := newTest(t, newFakeStore(recs...))

	next := "/records?site=BLOG.example&format=json&limit=50"
	var got []string
	for pages := 0; next != ""; pages++ {
		if pages > len(blog)/50+1 {
			t.Fatalf("still paging after %d pages: %s", pages, next)
		}
		page := jsonPage(t, h, next)
		for _, r := range page.Records {
			if r.Site != "blog.example" {
				t.Fatalf("record %s of site %q under ?site=blog.example", r.RecordID, r.Site)
			}
			got = append(got, r.RecordID)
		}
		if page.Next != "" && !strings.Contains(page.Next, "site=blog.example") {
			t.Fatalf("next link %q drops the site", page.Next)
		}
		next = page.Next
	}
	assertInOrder(t, blog, got)

	res, body := get(t, h, "GET", "/records?site=shop.example&from=2026-01-01&format=csv")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("CSV: %d %s", res.StatusCode, body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, name := range rows[0] {
		if name == "site" {
			col = i
		}
	}
	if col < 0 || len(rows)-1 != len(recs)-len(blog) {
		t.Fatalf("CSV of shop.example: site column %d, %d rows, want %d", col, len(rows)-1, len(recs)-len(blog))
	}
	for _, row := range rows[1:] {
		if row[col] != "shop.example" {
			t.Fatalf("CSV row of site %q under ?site=shop.example", row[col])
		}
	}

	if res, body := get(t, h, "GET", "/records?site=blog.example&format=html"); res.StatusCode != http.StatusOK || strings.Count(body, "shop.example") != 0 {
		t.Errorf("HTML table of blog.example: status %d, shop.example appears %d times", res.StatusCode, strings.Count(body, "shop.example"))
	}
	for _, bad := range []string{"a%20b", "%3Cscript%3E", "*.", strings.Repeat("a", 254), "blog.example/x"} {
		if res, body := get(t, h, "GET", "/records?site="+bad); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "site: not a site name") {
			t.Errorf("?site=%s: %d %q, want 400", bad, res.StatusCode, body)
		}
	}
	if res, _ := get(t, h, "GET", "/records?site=*.example.com&format=json"); res.StatusCode != http.StatusOK {
		t.Errorf("a wildcard site is refused: %d", res.StatusCode)
	}
}

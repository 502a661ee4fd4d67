package admin

import (
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/consentry/consentry/sdk"
)

func TestInventoryJSON(t *testing.T) {
	h := newTest(t, newFakeStore())
	res, body := get(t, h, "GET", "/inventory")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var rep sdk.InventoryReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 4 {
		t.Fatalf("%d items, want 4", len(rep.Items))
	}
	for _, it := range rep.Items {
		if it.Name == "_ga" && (it.Count != 2 || it.Category != "analytics" || len(it.Sites) != 2) {
			t.Errorf("_ga = %+v", it)
		}
	}
}

func TestInventoryHTML(t *testing.T) {
	h := newTest(t, newFakeStore())
	for _, tc := range []struct{ target, accept string }{
		{"/inventory?format=html", ""},
		{"/inventory", "text/html,application/xhtml+xml,*/*;q=0.8"},
		{"/", ""},
	} {
		res, body := get(t, h, "GET", tc.target, "Accept", tc.accept)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: type %q", tc.target, res.Header.Get("Content-Type"))
		}
		// Each table lists the uncatalogued item first, with its badge.
		rows := regexp.MustCompile(`<tr( class="uncatalogued")?><th scope="row" class="mono">([^<]*)</th><td>(.*?)</td>`).FindAllStringSubmatch(body, -1)
		var got []string
		for _, r := range rows {
			got = append(got, r[2])
			if (r[1] != "") != strings.Contains(r[3], ">uncatalogued<") {
				t.Errorf("%s: row %s: class %q, category cell %q", tc.target, r[2], r[1], r[3])
			}
		}
		want := []string{"mystery_id", "_ga", "tracker.unknown-cdn.net", "www.googletagmanager.com"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: rows %v, want %v", tc.target, got, want)
		}
		for _, w := range []string{"Google Analytics", "shop.example, blog.example", "2026-11-22 12:00:00", "1 uncatalogued"} {
			if !strings.Contains(body, w) {
				t.Errorf("%s: lacks %q", tc.target, w)
			}
		}
	}
}

func TestNoInventory(t *testing.T) {
	h, err := New(Options{Store: newFakeStore(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := get(t, h, "GET", "/inventory"); res.StatusCode != 404 {
		t.Errorf("/inventory without an inventory: status %d, want 404", res.StatusCode)
	}
	_, body := get(t, h, "GET", "/")
	if !strings.Contains(body, "No inventory is configured") || !strings.Contains(body, "<title>Overview · Consentry</title>") {
		t.Error("overview without an inventory: no message, or not the default title")
	}
}

// TestInventoryOffersDeclaration: each uncatalogued cookie and host row
// carries the Caddyfile lines that would declare it (DeclareLines, which
// caddymodule's TestDeclareLinesParse reads back with the real parser);
// catalogued rows carry none.
func TestInventoryOffersDeclaration(t *testing.T) {
	h := newTest(t, newFakeStore())
	_, body := get(t, h, "GET", "/inventory?format=html")
	rows := regexp.MustCompile(`(?s)<tr[^>]*><th scope="row" class="mono">([^<]*)</th>.*?</tr>`).FindAllStringSubmatch(body, -1)
	blocks := map[string]string{}
	for _, r := range rows {
		if m := regexp.MustCompile(`(?s)<details class="declare"><summary>Caddyfile</summary><pre>(.*?)</pre></details>`).FindStringSubmatch(r[0]); m != nil {
			blocks[r[1]] = m[1]
		}
	}
	if len(blocks) != 2 {
		t.Fatalf("declarations for %d rows, want the 2 uncatalogued: %v", len(blocks), blocks)
	}
	for name, want := range map[string][]string{
		"mystery_id":              {`vendor &#34;Unknown (cookie mystery_id)&#34; {`, `cookie &#34;mystery_id&#34; {`, `party first`, "category analytics"},
		"tracker.unknown-cdn.net": {`vendor &#34;unknown-cdn.net&#34; {`, `hosts &#34;tracker.unknown-cdn.net&#34;`, "category analytics"},
	} {
		for _, w := range want {
			if !strings.Contains(blocks[name], w) {
				t.Errorf("%s: declaration lacks %q:\n%s", name, w, blocks[name])
			}
		}
	}
}

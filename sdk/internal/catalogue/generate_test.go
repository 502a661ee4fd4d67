package catalogue

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/consentry/consentry/sdk"
)

var update = flag.Bool("update", false, "write ../../catalogue.json")

// generatedPath is the catalogue the sdk package embeds.
const generatedPath = "../../catalogue.json"

// build runs Build on the pinned datasets and overrides.json.
func build(t testing.TB) []sdk.Vendor {
	t.Helper()
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	vs, err := Build(read("data/third-party-web/entities-nostats.json"),
		read("data/open-cookie-database/open-cookie-database.csv"), read("overrides.json"))
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestCatalogueGenerated: sdk/catalogue.json is what the datasets and
// overrides.json make; run `go generate ./sdk` after changing either.
func TestCatalogueGenerated(t *testing.T) {
	want, err := Encode(build(t))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(generatedPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(generatedPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("sdk/catalogue.json is stale: run go generate ./sdk")
	}
}

// TestCatalogueFigures logs the catalogue's size by category (run with -v):
// vendors, hosts, declared cookies and the cookies the filters act on.
func TestCatalogueFigures(t *testing.T) {
	type figures struct {
		vendors, hosts, cookies, filtered int
		names                             map[string]bool
	}
	by := map[string]*figures{}
	var total figures
	for _, v := range build(t) {
		f := by[v.Category]
		if f == nil {
			f = &figures{names: map[string]bool{}}
			by[v.Category] = f
		}
		if !f.names[v.Vendor] { // a dataset's supplement to a vendor counts with it
			f.names[v.Vendor] = true
			f.vendors++
		}
		f.hosts += len(v.Hosts)
		f.cookies += len(v.Cookies)
		for _, c := range v.Cookies {
			if c.Party != sdk.ThirdParty && !c.DeclarationOnly {
				f.filtered++
			}
		}
	}
	for _, k := range []string{sdk.Necessary, sdk.Preferences, sdk.Analytics, sdk.Advertising, sdk.Social} {
		f := by[k]
		if f == nil {
			continue
		}
		t.Logf("%-12s vendors %5d  hosts %5d  cookies %5d  filtered %4d", k, f.vendors, f.hosts, f.cookies, f.filtered)
		total.vendors += f.vendors
		total.hosts += f.hosts
		total.cookies += f.cookies
		total.filtered += f.filtered
	}
	t.Logf("%-12s vendors %5d  hosts %5d  cookies %5d  filtered %4d", "total", total.vendors, total.hosts, total.cookies, total.filtered)
}

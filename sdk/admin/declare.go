package admin

import (
	"strings"

	"github.com/consentry/consentry/sdk"
	"golang.org/x/net/publicsuffix"
)

// DeclareLines returns the Caddyfile lines of a vendor block (see the
// Caddy module's vendor directive and docs/CATALOGUE.md) that would
// declare an uncatalogued inventory item: a host under hosts, a cookie
// with a purpose, a lifetime and a party to fill in, in a vendor named
// after the host's registrable domain or the cookie. The category is
// analytics, with a comment naming the others. It reports false for a
// catalogued item, a first-party tag path, and a name a declaration
// cannot hold (see declarable).
func DeclareLines(it sdk.InventoryItem) (string, bool) {
	if it.Catalogued || !declarable(it.Name) {
		return "", false
	}
	var b strings.Builder
	switch it.Kind {
	case sdk.KindHost:
		if strings.Contains(it.Name, "/") {
			return "", false
		}
		name := it.Name
		if d, err := publicsuffix.EffectiveTLDPlusOne(it.Name); err == nil {
			name = d
		}
		b.WriteString("vendor " + quote(name) + " {\n")
		b.WriteString(categoryLines)
		b.WriteString("\thosts " + quote(it.Name) + "\n")
	case sdk.KindCookie:
		b.WriteString("vendor " + quote("Unknown (cookie "+it.Name+")") + " {\n")
		b.WriteString(categoryLines)
		b.WriteString("\tcookie " + quote(it.Name) + " {\n")
		b.WriteString("\t\tpurpose \"What it does, in English\"\n")
		b.WriteString("\t\tlifetime \"1 year\"\n")
		b.WriteString("\t\tparty first\n")
		b.WriteString("\t}\n")
	default:
		return "", false
	}
	b.WriteString("}\n")
	return b.String(), true
}

// categoryLines choose the vendor's category.
const categoryLines = "\t# necessary, preferences, analytics, advertising or social\n\tcategory analytics\n"

// declarable reports whether name can be written, quoted, into a
// Caddyfile and read back unchanged as a cookie name or host
// (sdk.CheckVendor): printable ASCII without space, and without the
// characters the Caddyfile reads specially inside quotes (\ " `), its
// placeholders' braces ({$VAR} is replaced while reading) or those a
// cookie name cannot hold (; , = *).
func declarable(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\\\"`{};,=*", c) >= 0 {
			return false
		}
	}
	return true
}

// quote quotes a declarable value for the Caddyfile.
func quote(s string) string { return `"` + s + `"` }

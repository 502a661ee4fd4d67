package sdk

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// gppSampleTable renders the sample strings of docs/SIGNALS.md: a visitor
// of each of six states, before a choice, without and with GPC, and
// after Reject all, with `gpp { states all }`.
func gppSampleTable(t *testing.T) string {
	c := gppConsent(t, GPPOptions{States: []string{"all"}})
	var b strings.Builder
	b.WriteString("| state | sections | before a choice | with GPC | after Reject all |\n|---|---|---|---|---|\n")
	for _, st := range []string{"CA", "VA", "CO", "CT", "TX", "NJ"} {
		plain := gppState(t, c, "US", st, false, "").GPP
		gpc := gppState(t, c, "US", st, true, "").GPP
		reject := gppState(t, c, "US", st, false, `{"action":"reject_all"}`).GPP
		fmt.Fprintf(&b, "| %s | %s | `%s` | `%s` | `%s` |\n", st, plain.SIDList(), plain.String, gpc.String, reject.String)
	}
	return b.String()
}

// TestGPPSamplesInDocs keeps the sample strings in docs/SIGNALS.md true;
// on a mismatch it prints the table to paste
// (go test -run TestGPPSamplesInDocs ./sdk).
func TestGPPSamplesInDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/SIGNALS.md")
	if err != nil {
		t.Fatal(err)
	}
	table := gppSampleTable(t)
	if !strings.Contains(string(doc), table) {
		t.Errorf("docs/SIGNALS.md lacks the GPP sample strings; paste:\n\n%s", table)
	}
}

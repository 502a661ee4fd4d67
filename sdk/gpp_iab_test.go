package sdk

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// iabGPPDir returns the directory whose node_modules holds @iabgpp/cmpapi
// (CONSENTRY_IABGPP, or the repository's .cache/iabgpp, where test.sh
// installs it). A test needing it skips without it, but fails in CI.
func iabGPPDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CONSENTRY_IABGPP")
	if dir == "" {
		dir, _ = filepath.Abs("../.cache/iabgpp")
	}
	_, err := os.Stat(filepath.Join(dir, "node_modules", "@iabgpp", "cmpapi", "package.json"))
	_, nodeErr := exec.LookPath("node")
	if err != nil || nodeErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("@iabgpp/cmpapi (CONSENTRY_IABGPP=%s) or node missing; CI needs them: %v %v", dir, err, nodeErr)
		}
		t.Skipf("@iabgpp/cmpapi or node missing (run ./test.sh to install): %v %v", err, nodeErr)
	}
	return dir
}

// iabDecode decodes GPP strings with the IAB's library in Node: for each,
// the section ids of the header, every section's fields (toObject), and
// the string the library encodes from what it decoded.
func iabDecode(t *testing.T, strs []string) []struct {
	IDs      []int           `json:"ids"`
	Sections json.RawMessage `json:"sections"`
	Again    string          `json:"again"`
	Err      string          `json:"err"`
} {
	t.Helper()
	dir := iabGPPDir(t)
	script := `import { GppModel } from '@iabgpp/cmpapi';
import { readFileSync } from 'node:fs';
const strs = JSON.parse(readFileSync(0, 'utf8'));
console.log(JSON.stringify(strs.map((s) => {
  try {
    const m = new GppModel(s);
    return { ids: m.getSectionIds(), sections: m.toObject(), again: m.encode() };
  } catch (e) {
    return { err: String(e) };
  }
})));
`
	f := filepath.Join(dir, fmt.Sprintf("decode-%d.mjs", os.Getpid()))
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f)
	in, _ := json.Marshal(strs)
	cmd := exec.Command("node", f)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var res []struct {
		IDs      []int           `json:"ids"`
		Sections json.RawMessage `json:"sections"`
		Again    string          `json:"again"`
		Err      string          `json:"err"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(strs) {
		t.Fatalf("node answered %s: %v", out, err)
	}
	return res
}

// Every string Consentry makes, for a table of visitors, decodes with the
// IAB's own library to exactly the fields the state says, and the library
// encodes those fields back to the same string.
func TestGPPDecodedByIABLibrary(t *testing.T) {
	iabGPPDir(t) // skip (or, in CI, fail) before the work
	type visit struct {
		name   string
		g      GPPOptions
		region string
		gpc    bool
		body   string
		// want: the opt-out value (1 opted out, 2 not).
		optOut int
	}
	var visits []visit
	bodies := map[string]int{"": 2, `{"action":"accept_all"}`: 2, `{"action":"reject_all"}`: 1}
	// Every combination of the four categories one can refuse.
	cats := []string{Advertising, Analytics, Preferences, Social}
	for mask := range 1 << len(cats) {
		var keys []string
		adv := 1
		for i, k := range cats {
			if mask&(1<<i) != 0 {
				keys = append(keys, `"`+k+`"`)
				if k == Advertising {
					adv = 2
				}
			}
		}
		bodies[`{"action":"custom","categories":[`+strings.Join(keys, ",")+`]}`] = adv
	}
	mspas := []string{"", GPPMSPAOptOut, GPPMSPAServiceProvider}
	n := 0
	for _, region := range append(append([]string{""}, GPPStates()...), "NY", "MD") {
		for _, gpc := range []bool{false, true} {
			for body, opt := range bodies {
				n++
				g := GPPOptions{States: []string{"all"}, MSPA: mspas[n%3]}
				if n%4 == 0 {
					g.Notices = map[string]int{"SaleOptOutNotice": 2, "SensitiveDataLimitUseNotice": 1, "ProcessingNotice": 0}
				}
				// Before a choice an opt-out visitor is opted in, unless GPC
				// opts them out where their state's law makes it binding (a
				// visitor of unknown state counts as bound; docs/US-STATES.md);
				// a choice decides, GPC or not (the POST made with GPC on is
				// an explicit grant).
				law, listed := USState(region)
				binds := !listed || law.GPCBinds(time.Now())
				want := opt
				if body == "" && ((gpc && binds) || region == "NY") {
					// NY has no opt-out law: the opt-in default refuses.
					want = 1
				}
				visits = append(visits, visit{fmt.Sprintf("%s gpc=%v %s mspa=%q", region, gpc, body, g.MSPA), g, region, gpc, body, want})
			}
		}
	}
	consents := map[string]*Consent{}
	var strs []string
	var states []State
	for _, v := range visits {
		key := fmt.Sprint(v.g)
		c := consents[key]
		if c == nil {
			c = gppConsent(t, v.g)
			consents[key] = c
		}
		s := gppState(t, c, "US", v.region, v.gpc, v.body)
		if s.GPP == nil {
			t.Fatalf("%s: no GPP", v.name)
		}
		strs = append(strs, s.GPP.String)
		states = append(states, s)
	}
	res := iabDecode(t, strs)
	for i, v := range visits {
		s, r := states[i], res[i]
		if r.Err != "" {
			t.Errorf("%s: the library cannot decode %s: %s", v.name, s.GPP.String, r.Err)
			continue
		}
		if r.Again != s.GPP.String {
			t.Errorf("%s: the library re-encodes %s as %s", v.name, s.GPP.String, r.Again)
		}
		if !reflect.DeepEqual(r.IDs, s.GPP.SID) {
			t.Errorf("%s: header ids %v, state says %v", v.name, r.IDs, s.GPP.SID)
		}
		var got, want map[string]map[string]any
		if err := json.Unmarshal(r.Sections, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(s.GPP.Sections, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s decodes to\n%s\nthe state says\n%s", v.name, s.GPP.String, r.Sections, s.GPP.Sections)
			continue
		}
		// And the fields are the ones the visitor's choice, GPC and
		// the options give.
		checkGPPFields(t, v.name, got, v.optOut, v.gpc, v.g)
		if wantN := 1 + boolInt(gppStateSections[v.region] != nil); len(got) != wantN {
			t.Errorf("%s: %d sections, want %d", v.name, len(got), wantN)
		}
	}
	t.Logf("%d strings decoded", len(strs))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkGPPFields checks the decoded fields against what they should be.
func checkGPPFields(t *testing.T, name string, secs map[string]map[string]any, optOut int, gpc bool, g GPPOptions) {
	t.Helper()
	mspa := map[string][3]float64{"": {2, 0, 0}, GPPMSPAOptOut: {1, 1, 2}, GPPMSPAServiceProvider: {1, 2, 1}}[g.MSPA]
	for sec, f := range secs {
		want := map[string]float64{
			"SaleOptOut": float64(optOut), "SharingOptOut": float64(optOut), "TargetedAdvertisingOptOut": float64(optOut),
			"MspaCoveredTransaction": mspa[0], "MspaOptOutOptionMode": mspa[1], "MspaServiceProviderMode": mspa[2],
		}
		for k, v := range gppNoticeDefaults {
			want[k] = float64(v)
		}
		for k, v := range g.Notices {
			want[k] = float64(v)
		}
		for k, w := range want {
			if v, ok := f[k]; ok && v != w {
				t.Errorf("%s: %s.%s = %v, want %v", name, sec, k, v, w)
			}
		}
		if _, ok := f["SaleOptOut"]; !ok {
			t.Errorf("%s: %s has no SaleOptOut", name, sec)
		}
		if v, ok := f["Gpc"]; ok && v != gpc {
			t.Errorf("%s: %s.Gpc = %v, want %v", name, sec, v, gpc)
		} else if !ok && sec == "usnat" {
			t.Errorf("%s: usnat has no GPC sub-section", name)
		}
	}
}

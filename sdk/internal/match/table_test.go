package match

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestNamesPrecedence: exact beats prefix, the longest prefix wins
// whatever the order added, and the first added wins a tie.
func TestNamesPrecedence(t *testing.T) {
	var n Names[string]
	n.Add("_g*", "short")
	n.Add("_ga_*", "long")
	n.Add("_ga", "exact")
	n.Add("_ga_*", "dup")
	n.Add("_gb*", "tie-first")
	n.Add("", "empty")
	for name, want := range map[string]string{
		"_ga": "exact", "_ga_X": "long", "_gx": "short", "_ga_*": "long", "_gbz": "tie-first", "": "", "x": "",
	} {
		if got, _ := n.Lookup(name); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", name, got, want)
		}
	}
	if n.Len() != 4 {
		t.Errorf("Len = %d, want 4", n.Len())
	}
}

// TestHostsParents: a host matches itself or its closest mapped parent,
// never a sibling or a suffix that is not a label boundary.
func TestHostsParents(t *testing.T) {
	var h Hosts[string]
	h.Add("https://Example.com/x", "parent")
	h.Add("ads.example.com", "child")
	h.Add("example.com", "dup")
	for host, want := range map[string]string{
		"example.com": "parent", "www.example.com": "parent", "x.ads.example.com": "child",
		"badexample.com": "", "com": "", "": "",
	} {
		if got, _ := h.Lookup(host); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", host, got, want)
		}
	}
}

// TestMatcherNecessary: the necessary category is claimed but never
// filtered, and the filters' precedence is the tables'.
func TestMatcherNecessary(t *testing.T) {
	m := New([]Rule{
		{Key: "necessary", Hosts: []string{"auth.example"}, Cookies: []string{"sid"}},
		{Key: "analytics", Hosts: []string{"stats.example"}, Cookies: []string{"_ga*"}, Patterns: []string{"gtag("}},
		{Key: "advertising", Cookies: []string{"_ga_ads*"}, Patterns: []string{"fbq("}},
	}, "necessary")
	if m.Cookie("sid") != "" || m.ClassifyCookie("sid") != "necessary" || m.ClassifyHost("a.auth.example") != "necessary" {
		t.Errorf("necessary: Cookie %q, ClassifyCookie %q", m.Cookie("sid"), m.ClassifyCookie("sid"))
	}
	if got := m.Cookie("_ga_ads1"); got != "advertising" {
		t.Errorf("Cookie(_ga_ads1) = %q, want the longest prefix's advertising", got)
	}
	refuseAll := func(string) bool { return true }
	if got := m.Inline([]byte("x; fbq('init'); gtag('js')"), refuseAll); got != "advertising" {
		t.Errorf("Inline = %q, want advertising, whose pattern comes first", got)
	}
	if got := m.Inline([]byte("gtag('js')"), func(k string) bool { return k != "analytics" }); got != "" {
		t.Errorf("Inline with analytics granted = %q", got)
	}
}

func TestPathsLongestFirst(t *testing.T) {
	var p Paths[string]
	p.Add("/m/", "a")
	p.Add("/m/deep/", "b")
	p.Add("/m/", "dup")
	p.Add("", "empty")
	for _, c := range []struct{ in, prefix, v string }{
		{"/m/x", "/m/", "a"},
		{"/m/deep/x", "/m/deep/", "b"},
		{"/M/x", "", ""},
		{"/m", "", ""},
	} {
		prefix, v, _ := p.Lookup([]byte(c.in))
		if prefix != c.prefix || v != c.v {
			t.Errorf("Lookup(%q) = %q, %q; want %q, %q", c.in, prefix, v, c.prefix, c.v)
		}
	}
	if p.Len() != 2 {
		t.Errorf("Len = %d, want 2", p.Len())
	}
}

// TestNamesAgreesWithLinearScan checks the indexed prefixes against the
// precedence written out as a scan: exact name, then the longest prefix,
// then the first added.
func TestNamesAgreesWithLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := ""
	word := func(max int) string {
		b := make([]byte, rng.IntN(max+1))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for round := 0; round < 400; round++ {
		// Half the rounds crowd a few buckets past scanMax.
		alphabet = []string{"_abA", "_a"}[round%2]
		var n Names[int]
		type entry struct {
			name string
			v    int
		}
		var added []entry
		for i := 0; i < 40+60*(round%2); i++ {
			name := word(6)
			if rng.IntN(2) == 0 {
				name += "*"
			}
			n.Add(name, i)
			added = append(added, entry{name, i})
		}
		for i := 0; i < 200; i++ {
			name := word(8)
			want, wantOK, best := 0, false, -1
			for _, e := range added {
				if e.name == name && e.name != "" {
					want, wantOK = e.v, true
					break
				}
			}
			if !wantOK {
				for _, e := range added {
					if p, ok := strings.CutSuffix(e.name, "*"); ok && strings.HasPrefix(name, p) && len(p) > best {
						want, wantOK, best = e.v, true, len(p)
					}
				}
			}
			if got, ok := n.Lookup(name); got != want || ok != wantOK {
				t.Fatalf("round %d: Lookup(%q) = %d, %v; want %d, %v (entries %v)", round, name, got, ok, want, wantOK, added)
			}
		}
	}
}

// scaleNames returns n made-up cookie names, a third of them families.
func scaleNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("_v%03d_%x", i%997, i)
		if i%3 == 0 {
			out[i] += "_*"
		}
	}
	return out
}

// BenchmarkNamesLookup looks up a request's worth of cookie names (ten,
// most of them the site's own) in tables of 100 and 3 000 names.
func BenchmarkNamesLookup(b *testing.B) {
	for _, size := range []int{100, 3000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var n Names[int]
			for i, name := range scaleNames(size) {
				n.Add(name, i)
			}
			n.Add("_ga_*", 1)
			n.Add("_ga", 1)
			names := []string{"_ga", "_ga_ABC", "session", "PHPSESSID", "lang", "_v010_a_x", "cart", "csrftoken", "__Host-id", "theme"}
			for b.Loop() {
				for _, name := range names {
					n.Lookup(name)
				}
			}
		})
	}
}

// BenchmarkHostsLookup looks up a page's worth of hosts (ten) in tables of
// 100 and 3 000 hosts.
func BenchmarkHostsLookup(b *testing.B) {
	for _, size := range []int{100, 3000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var h Hosts[int]
			for i := range size {
				h.Add(fmt.Sprintf("t%d.vendor%d.example", i, i%500), i)
			}
			hosts := []string{"www.googletagmanager.com", "t7.vendor7.example", "cdn.site.example", "a.b.c.d.example", "static.site.example",
				"x.t1.vendor1.example", "fonts.gstatic.com", "img.site.example", "www.youtube.com", "api.site.example"}
			for b.Loop() {
				for _, host := range hosts {
					h.Lookup(host)
				}
			}
		})
	}
}

package match

import "testing"

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

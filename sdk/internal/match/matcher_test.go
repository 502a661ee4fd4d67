package match

import "testing"

// TestPassRule: a pass rule's hosts, and their subdomains, are held by no
// category even under a parent domain another rule claims, whatever the
// order of the rules' hosts; the inventory still classifies them; their
// siblings keep the parent's category.
func TestPassRule(t *testing.T) {
	m := New([]Rule{
		{Key: "advertising", Hosts: []string{"googleads.g.doubleclick.net"}, Pass: true},
		{Key: "advertising", Hosts: []string{"doubleclick.net"}, Cookies: []string{"IDE"}},
		{Key: "analytics", Hosts: []string{"stats.example"}},
	}, "necessary")
	for _, tc := range []struct{ host, held, classified string }{
		{"googleads.g.doubleclick.net", "", "advertising"},
		{"x.googleads.g.doubleclick.net", "", "advertising"},
		{"securepubads.g.doubleclick.net", "advertising", "advertising"},
		{"doubleclick.net", "advertising", "advertising"},
		{"g.doubleclick.net", "advertising", "advertising"},
		{"stats.example", "analytics", "analytics"},
		{"other.example", "", ""},
	} {
		if got := m.Host(tc.host); got != tc.held {
			t.Errorf("Host(%q) = %q, want %q", tc.host, got, tc.held)
		}
		if got := m.ClassifyHost(tc.host); got != tc.classified {
			t.Errorf("ClassifyHost(%q) = %q, want %q", tc.host, got, tc.classified)
		}
	}
	if got := m.Cookie("IDE"); got != "advertising" {
		t.Errorf("Cookie(IDE) = %q, want advertising", got)
	}
}

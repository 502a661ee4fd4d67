package httpfield

import "testing"

// TestHostsAgree: a request's Host and a configured host name the same
// bare host whatever the case, port, brackets or trailing dot.
func TestHostsAgree(t *testing.T) {
	for in, want := range map[string]string{
		"Example.COM:8080": "example.com", "example.com.": "example.com", "[::1]:443": "::1",
		"::1": "::1", "www.example.com": "www.example.com", "": "",
	} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://WWW.Example.com:443/x": "www.example.com", "*.example.com": "example.com",
		".example.com.": "example.com", "//cdn.example/a?b": "cdn.example", " stats.example ": "stats.example",
	} {
		if got := ConfigHost(in); got != want {
			t.Errorf("ConfigHost(%q) = %q, want %q", in, got, want)
		}
		if Host(want+".") != ConfigHost(in) {
			t.Errorf("Host and ConfigHost disagree on %q", in)
		}
	}
}

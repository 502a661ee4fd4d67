package httpfield

import (
	"testing"

	"github.com/consentry/consentry/sdk/rewrite"
)

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

// TestHostsAgreeWithPages: a host configured in Unicode or full-width
// letters, the same host spelled so in a page's URL, and a cookie domain
// all map to the one name the browser looks up.
func TestHostsAgreeWithPages(t *testing.T) {
	for _, tc := range []struct{ config, page, want string }{
		{"Bücher.example", `https://b&#xFC;cher.example/x`, "xn--bcher-kva.example"},
		{"ａｄｓ。example", "//ADS.example./p", "ads.example"},
		{"*.xn--bcher-kva.example", "https://BÜCHER%2Eexample", "xn--bcher-kva.example"},
	} {
		if got := ConfigHost(tc.config); got != tc.want {
			t.Errorf("ConfigHost(%q) = %q, want %q", tc.config, got, tc.want)
		}
		if got := rewrite.URLHost([]byte(tc.page)); got != tc.want {
			t.Errorf("URLHost(%q) = %q, want %q", tc.page, got, tc.want)
		}
		if got := Domain("." + tc.want); got != tc.want {
			t.Errorf("Domain(%q) = %q, want %q", "."+tc.want, got, tc.want)
		}
	}
}

package rewrite

import "testing"

func TestURLHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://www.google-analytics.com/analytics.js", "www.google-analytics.com"},
		{"http://Example.COM", "example.com"},
		{"HTTPS://ADS.EXAMPLE./x", "ads.example"},
		{"//cdn.example.net/a.js", "cdn.example.net"},
		{`\\cdn.example.net\a.js`, "cdn.example.net"},
		{`https:\\ads.example\x`, "ads.example"},
		{"https:///ads.example/x", "ads.example"},
		{"https://ads.example:8443/p", "ads.example"},
		{"https://user:pw@ads.example/p", "ads.example"},
		{"https://a@b@ads.example", "ads.example"},
		{"https://ads.example?x=1", "ads.example"},
		{"https://ads.example#f", "ads.example"},
		{"https://[::1]:8080/x", "[::1]"},
		{"  https://ads.example  ", "ads.example"},
		{"ht\ttps://ads.exa\nmple/", "ads.example"},
		{"https&#58;&#47;&#47;ads.example/x", "ads.example"},
		{"https&#x3A;&#X2f;&#x2F;ads.example/x", "ads.example"},
		{"https:&sol;&sol;ads&period;example/x", "ads.example"},
		{"&#104;ttps://ads.example", "ads.example"},
		{"https://ads%2Eexample/x", "ads.example"},
		{"https://ADS%2eEXAMPLE", "ads.example"},
		{"https://ads.example&amp;x", "ads.example&x"},
		{"/relative/path.js", ""},
		{"relative.js", ""},
		{"ads.example/x.js", ""},
		{"?q=1", ""},
		{"#top", ""},
		{"", ""},
		{"data:image/gif;base64,R0lGOD", ""},
		{"javascript:alert(1)", ""},
		{"blob:https://ads.example/uuid", ""},
		{"ftp://ads.example/x", ""},
		{"/", ""},
		{"https:", ""},
		{"//", ""},
	}
	for _, tc := range tests {
		if got := URLHost([]byte(tc.in)); got != tc.want {
			t.Errorf("URLHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestURLHostAppends(t *testing.T) {
	dst := []byte("x:")
	if got := string(appendURLHost(dst, []byte("//a.example/"))); got != "x:a.example" {
		t.Errorf("appendURLHost = %q, want %q", got, "x:a.example")
	}
	if got := string(appendURLHost(dst[:2], []byte("/rel"))); got != "x:" {
		t.Errorf("appendURLHost(relative) = %q, want %q", got, "x:")
	}
}

func TestURLHostNoAllocs(t *testing.T) {
	v := []byte("https&#58;//User@Sub.Ads.Example:443/p?q")
	dst := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { dst = appendURLHost(dst[:0], v) }); n != 0 {
		t.Errorf("appendURLHost allocates %.0f times", n)
	}
	if string(dst) != "sub.ads.example" {
		t.Errorf("got %q", dst)
	}
}

func TestSrcsetURLs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/a.png 1x, /b.png 2x", []string{"/a.png", "/b.png"}},
		{"/a.png,/b.png 2x", []string{"/a.png,/b.png"}}, // one URL, as browsers parse it
		{"  /a.png  480w ,\n //ads.example/b.png 800w", []string{"/a.png", "//ads.example/b.png"}},
		{"data:image/png;base64,AAA= 1x, /b.png 2x", []string{"data:image/png;base64,AAA=", "/b.png"}},
		{"/a.png (weird, descriptor), /b.png", []string{"/a.png", "/b.png"}},
		{"", nil},
		{" , , ", nil},
	}
	for _, tc := range tests {
		var got []string
		for i := 0; ; {
			var u []byte
			if u, i = nextSrcsetURL([]byte(tc.in), i); u == nil {
				break
			}
			got = append(got, string(u))
		}
		if len(got) != len(tc.want) {
			t.Errorf("srcset %q: got %q, want %q", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("srcset %q: got %q, want %q", tc.in, got, tc.want)
				break
			}
		}
	}
}

func TestIsJSType(t *testing.T) {
	for _, v := range []string{"", "module", " Module ", "text/javascript", "TEXT/JAVASCRIPT", "application/javascript", "text/ecmascript"} {
		if !isJSType([]byte(v)) {
			t.Errorf("isJSType(%q) = false", v)
		}
	}
	for _, v := range []string{"text/plain", "application/json", "application/ld+json", "importmap", "text/template", "speculationrules", "text/javascript; charset=utf-8", "text/babel"} {
		if isJSType([]byte(v)) {
			t.Errorf("isJSType(%q) = true", v)
		}
	}
}

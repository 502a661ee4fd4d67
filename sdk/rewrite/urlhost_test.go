package rewrite

import "testing"

// urlHostCase is one URL attribute value and the host a browser fetches it
// from. conservative marks a value URLHost maps to a host although the
// browser may not fetch it (a same-scheme "https:host" is a relative path;
// ftp: is not fetched; an invalid IDN fails): the browser test skips them.
type urlHostCase struct {
	in, want     string
	conservative bool
}

// urlHostCases are checked by TestURLHost against URLHost and by
// TestURLHostChromium against Chromium's own parser.
var urlHostCases = []urlHostCase{
	{in: "https://www.google-analytics.com/analytics.js", want: "www.google-analytics.com"},
	{in: "http://Example.COM", want: "example.com"},
	{in: "HTTPS://ADS.EXAMPLE./x", want: "ads.example"},
	{in: "//cdn.example.net/a.js", want: "cdn.example.net"},
	{in: `\\cdn.example.net\a.js`, want: "cdn.example.net"},
	{in: `https:\\ads.example\x`, want: "ads.example"},
	{in: "https:///ads.example/x", want: "ads.example"},
	{in: "https:ads.example/x", want: "ads.example"},
	{in: "HTTPS:ads.example/x", want: "ads.example"},
	{in: `https:\ads.example\x`, want: "ads.example"},
	{in: "http:ads.example/x", want: "ads.example", conservative: true}, // a path on an http page
	{in: "https://ads.example:8443/p", want: "ads.example"},
	{in: "https://user:pw@ads.example/p", want: "ads.example"},
	{in: "https://a@b@ads.example", want: "ads.example"},
	{in: "https://ads.example?x=1", want: "ads.example"},
	{in: "https://ads.example#f", want: "ads.example"},
	{in: "https://[::1]:8080/x", want: "[::1]"},
	{in: "  https://ads.example  ", want: "ads.example"},
	{in: "ht\ttps://ads.exa\nmple/", want: "ads.example"},
	{in: "https&#58;&#47;&#47;ads.example/x", want: "ads.example"},
	{in: "https&#x3A;&#X2f;&#x2F;ads.example/x", want: "ads.example"},
	{in: "https:&sol;&sol;ads&period;example/x", want: "ads.example"},
	{in: "&#104;ttps://ads.example", want: "ads.example"},
	{in: "https://ads%2Eexample/x", want: "ads.example"},
	{in: "https://ADS%2eEXAMPLE", want: "ads.example"},
	{in: "https://ads.example..", want: "ads.example", conservative: true},
	// IDNA (UTS #46), as Chromium maps hosts.
	{in: "https://ａｄｓ．ｅｘａｍｐｌｅ/x", want: "ads.example"},
	{in: "https://ads。example/x", want: "ads.example"},
	{in: "https://ads｡example/x", want: "ads.example"},
	{in: "https://ADS．EXAMPLE/x", want: "ads.example"},
	{in: "https://ａｄｓ.example/x", want: "ads.example"},
	{in: "https://ＡＤＳ.example/x", want: "ads.example"},
	{in: "https://ad\u00ads.example/x", want: "ads.example"},                     // soft hyphen
	{in: "https://ad\u200bs.example/x", want: "ads.example", conservative: true}, // zero-width space: Chromium refuses it
	{in: "https://a\u034fds.example/x", want: "ads.example"},                     // combining grapheme joiner
	{in: "https://ads.example\u3002/x", want: "ads.example"},
	{in: "https://&#xFF41;ds.example/x", want: "ads.example"},
	{in: "https://&#65345;ds&#x3002;example/x", want: "ads.example"},
	{in: "https://&aopf;ds.example/x", want: "ads.example"},
	{in: "https://ads&#xad;.example/x", want: "ads.example"},
	{in: "https://%EF%BD%81ds.example/x", want: "ads.example"},
	{in: "https://ads%E3%80%82example/x", want: "ads.example"},
	{in: "https://ads%C2%ADx.example/x", want: "adsx.example"},
	{in: "https://ﬀ.example/x", want: "ff.example"},
	{in: "https://ads.ℯxample/x", want: "ads.example"},
	{in: "https://Bücher.example/x", want: "xn--bcher-kva.example"},
	{in: "https://xn--bcher-kva.example/x", want: "xn--bcher-kva.example"},
	{in: "https://XN--BCHER-KVA.example/x", want: "xn--bcher-kva.example"},
	{in: "https://faß.example/", want: "xn--fa-hia.example"},
	{in: "https://ads\u2024example/x", want: "xn--adsexample-2z6e", conservative: true}, // one dot leader: disallowed
	{in: "https://r3---sn-apo3.example/x", want: "r3---sn-apo3.example"},
	{in: "https://a_b.example/x", want: "a_b.example"},
	{in: "/relative/path.js", want: ""},
	{in: "relative.js", want: ""},
	{in: "ads.example/x.js", want: ""},
	{in: "?q=1", want: ""},
	{in: "#top", want: ""},
	{in: "", want: ""},
	{in: "data:image/gif;base64,R0lGOD", want: ""},
	{in: "javascript:alert(1)", want: ""},
	{in: "blob:https://ads.example/uuid", want: ""},
	{in: "ftp://ads.example/x", want: "", conservative: true},
	{in: "/", want: ""},
}

func TestURLHost(t *testing.T) {
	tests := append(urlHostCases,
		urlHostCase{in: "https://ads.example&amp;x", want: "ads.example&x"},
		urlHostCase{in: "https:", want: ""},
		urlHostCase{in: "//", want: ""},
		urlHostCase{in: "https://xn--ads-.example/", want: "ads.example"}, // invalid punycode: mapped leniently
	)
	for _, tc := range tests {
		if got := URLHost([]byte(tc.in)); got != tc.want {
			t.Errorf("URLHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHostName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ads.example", "ads.example"},
		{"ADS.Example.", "ads.example"},
		{"ａｄｓ。example", "ads.example"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"XN--BCHER-KVA.example", "xn--bcher-kva.example"},
		{"[::1]", "[::1]"},
		{"", ""},
	} {
		if got := HostName(tc.in); got != tc.want {
			t.Errorf("HostName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { HostName("www.ads.example") }); n != 0 {
		t.Errorf("HostName of a plain host allocates %.0f times", n)
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

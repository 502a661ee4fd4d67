package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Faults of the upstream behind reverse_proxy, with the consent handler in
// front of it, in a real Caddy process.

// errorsBlock answers every error with a body of its own, so a test can
// tell Caddy's error handling ran.
const errorsBlock = `
	handle_errors {
		respond "upstream unavailable ({err.status_code})" {err.status_code}
	}`

// proxySite is a site with the consent handler proxying to upstream, with
// the reverse_proxy block's extra lines and the error handling.
func proxySite(addr, upstream, proxyOptions string) string {
	return fmt.Sprintf("%s {\n\tconsent {\n\t\tlog off\n\t\tcategory advertising {\n\t\t\thosts ads.localhost\n\t\t}\n\t}\n\treverse_proxy %s {\n%s\n\t}\n%s\n}\n",
		addr, upstream, proxyOptions, errorsBlock)
}

// adPage is a page with a tag the consent handler holds back before a
// choice.
const adPage = "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>" +
	"<script src=https://ads.localhost/ad.js></script><p>end of page</p></body></html>"

// checkRewritten fails the test unless page is adPage with the banner
// injected once and the advertising tag held back.
func checkRewritten(t *testing.T, page []byte) {
	t.Helper()
	rest, heads, forms := stripInjection(page)
	if heads != 1 || forms != 1 {
		t.Errorf("page has %d head injections and %d no-JavaScript forms, want 1 and 1:\n%s", heads, forms, page)
	}
	if bytes.Equal(rest, []byte(adPage)) {
		t.Errorf("the advertising tag was not held back:\n%s", page)
	}
	if !bytes.Contains(rest, []byte("<h1>Shop</h1>")) || !bytes.HasSuffix(rest, []byte("<p>end of page</p></body></html>")) {
		t.Errorf("page is not the upstream's, complete:\n%s", page)
	}
}

func TestFaultUpstreamDown(t *testing.T) {
	t.Parallel()
	down := fmt.Sprintf("127.0.0.1:%d", freePort(t)) // nothing listens: connection refused
	in := startCaddyfile(t, "down", proxySite(siteToken, down, ""))

	for _, path := range []string{"/", "/page.html"} {
		resp, body, err := fetch(in.base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if resp.StatusCode != http.StatusBadGateway || string(body) != "upstream unavailable (502)" {
			t.Errorf("GET %s with the upstream down: %d %q, want 502 from handle_errors", path, resp.StatusCode, body)
		}
	}
	// The consent endpoints do not need the upstream.
	if _, _, err := in.decision(`{"action":"accept_all"}`, ""); err != nil {
		t.Errorf("a decision with the upstream down: %v", err)
	}
}

func TestFaultUpstreamSlow(t *testing.T) {
	t.Parallel()
	const headerDelay = 2 * time.Second
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Simulated slowness, not synchronisation: the headers come late
		// and the body trickles in flushed pieces.
		select {
		case <-time.After(headerDelay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < len(adPage); i += 16 {
			w.Write([]byte(adPage[i:min(i+16, len(adPage))]))
			w.(http.Flusher).Flush()
			select {
			case <-time.After(20 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer upstream.Close()
	up := strings.TrimPrefix(upstream.URL, "http://")
	timeoutAddr := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	sites := proxySite(siteToken, up, "") + "\n" +
		proxySite(timeoutAddr, up, "\t\ttransport http {\n\t\t\tresponse_header_timeout 500ms\n\t\t}")
	in := startCaddyfile(t, "slow", sites)

	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		resp, body, err := fetch(timeoutAddr + "/")
		if err != nil {
			t.Errorf("GET with response_header_timeout 500ms: %v", err)
			return
		}
		if resp.StatusCode != http.StatusGatewayTimeout || string(body) != "upstream unavailable (504)" {
			t.Errorf("GET with response_header_timeout 500ms: %d %q, want 504 from handle_errors", resp.StatusCode, body)
		}
		if d := time.Since(start); d >= headerDelay {
			t.Errorf("the 504 took %v, not less than the upstream's %v: the timeout did not apply", d, headerDelay)
		}
	}()

	start := time.Now()
	resp, body, err := fetch(in.base + "/")
	if err != nil {
		t.Fatalf("GET from the slow upstream: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET from the slow upstream: %d\n%s", resp.StatusCode, body)
	}
	if d := time.Since(start); d < headerDelay {
		t.Errorf("answered in %v, before the upstream's headers", d)
	}
	checkRewritten(t, body)
	<-done
}

// resetPage is the page the resetting upstream sends half of.
var resetPage = adPage[:len(adPage)-len("</body></html>")] + strings.Repeat("<p>filler paragraph</p>\n", 2000) + "</body></html>"

func TestFaultUpstreamResetMidBody(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/reset" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(adPage))
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n", len(resetPage))
		buf.WriteString(resetPage[:len(resetPage)/2])
		buf.Flush()
		// SO_LINGER 0: Close sends a RST instead of a FIN.
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	}))
	defer upstream.Close()
	in := startCaddyfile(t, "reset", proxySite(siteToken, strings.TrimPrefix(upstream.URL, "http://"), ""))

	for i := range 5 {
		resp, body, err := fetch(in.base + "/reset")
		if err != nil && strings.Contains(err.Error(), "Client.Timeout") {
			t.Fatalf("request %d: the client hung until its timeout: %v", i, err)
		}
		if err == nil && resp.StatusCode == http.StatusOK {
			// A cleanly ended 200 would pass a truncated page off as whole,
			// to the browser and to every cache on the way.
			t.Errorf("request %d: a reset upstream gave a cleanly ended 200 of %d bytes (the page has %d): the truncation is hidden",
				i, len(body), len(resetPage))
		}
		if err == nil && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadGateway {
			t.Errorf("request %d: status %d, want 200 cut short or 502", i, resp.StatusCode)
		}
		if err != nil {
			t.Logf("request %d: %v after %d bytes", i, err, len(body))
		}
	}
	for i := range 5 {
		resp, body, err := fetch(in.base + "/ok")
		if err != nil {
			t.Fatalf("after the resets, request %d: %v", i, err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("after the resets, request %d: %d\n%s", i, resp.StatusCode, body)
		}
		checkRewritten(t, body)
	}
	in.stop()
	if out := outputOf(in); containsFold(out, "panic") {
		t.Errorf("Caddy's output mentions a panic:\n%s", out)
	}
}

// malformedPages are pages a rewriter could choke on. None has anything to
// hold back, so with the injected markup taken out each must come back
// byte for byte.
var malformedPages = map[string]string{
	"/unclosed":            "<!doctype html><html><head><title>x</title></head><body><div><p>unclosed <b>bold <i>italic <table><tr><td>cell",
	"/script-no-gt":        "<!doctype html><html><head><title>x</title></head><body><p>before</p><script src=\"/app.js\"",
	"/script-no-gt-nohead": "<p>text</p><script",
	"/nul":                 "<!doctype html><html><head>\x00<title>a\x00b</title></head><body><p\x00 class=x>c\x00d</p><script>var s='\x00';</script></body></html>",
	"/invalid-utf8":        "<!doctype html><html><head><title>\xff\xfe</title></head><body><p>\xc3\x28 \xe2\x82 \xf0\x28\x8c\xbc text \xed\xa0\x80</p><a href=\"/\xff\">l</a></body></html>",
	"/in-comment":          "<!doctype html><html><head><title>x</title></head><body><p>shown</p><!-- a comment that never ends <script src=https://ads.localhost/ad.js></script>",
	"/comment-in-head":     "<!doctype html><html><head><!-- never closed <title>x</title></head><body>",
	"/attr-unclosed":       "<!doctype html><html><head></head><body><a href=\"/never-closed>link</a><p>more",
	"/only-text":           "just some text \x00 with \xff bytes and no tags at all",
	"/cdata-open":          "<!doctype html><html><head></head><body><svg><![CDATA[ never closed",
}

func TestFaultMalformedHTML(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := malformedPages[r.URL.Path]
		if !ok {
			page = adPage
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	defer upstream.Close()
	in := startCaddyfile(t, "malformed", proxySite(siteToken, strings.TrimPrefix(upstream.URL, "http://"), ""))

	for path, page := range malformedPages {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			resp, body, err := fetch(in.base + path)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d\n%q", resp.StatusCode, body)
			}
			rest, heads, forms := stripInjection(body)
			if heads != 1 {
				t.Errorf("%d head injections, want 1:\n%q", heads, body)
			}
			if forms > 1 {
				t.Errorf("%d no-JavaScript forms, want at most 1:\n%q", forms, body)
			}
			if !bytes.Equal(rest, []byte(page)) {
				t.Errorf("the page less the injected markup differs from the upstream's:\n got %q\nwant %q", rest, page)
			}
		})
	}
	// Caddy still serves a well-formed page after them.
	resp, body, err := fetch(in.base + "/")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / after the malformed pages: %v %v", resp, err)
	}
	checkRewritten(t, body)
}

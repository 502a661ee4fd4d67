package sdk

import (
	"net/http"
	"strings"
)

// cspNonces returns the nonces a response's Content-Security-Policy
// (policies, from cspPolicies) allows for scripts and for styles, so the
// injected elements can carry them.
// Script nonces come from script-src-elem, script-src or default-src (the
// first of those present, as browsers fall back); style nonces likewise
// from style-src-elem, style-src or default-src. Several policies may be
// sent: an element must satisfy each of them, so a nonce is used only when
// every policy that governs the type lists it.
func cspNonces(policies []string) (script, style string) {
	return commonNonce(policies, "script-src-elem", "script-src"), commonNonce(policies, "style-src-elem", "style-src")
}

// cspPolicies returns the enforced policies of a response: one per
// Content-Security-Policy header line, and a line may carry several
// separated by commas (as proxies join repeated headers), as CSP3 parses
// them. Content-Security-Policy-Report-Only enforces nothing.
func cspPolicies(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Content-Security-Policy") {
		for p := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(p) != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// commonNonce returns a nonce accepted by every policy for the directive
// (or its fallbacks), or "".
func commonNonce(policies []string, directives ...string) string {
	nonce := ""
	for _, p := range policies {
		src, ok := sourceList(p, append(directives, "default-src")...)
		if !ok {
			continue // this policy does not restrict the type
		}
		n := ""
		for _, tok := range strings.Fields(src) {
			if v, ok := strings.CutPrefix(tok, "'nonce-"); ok && strings.HasSuffix(v, "'") {
				v = v[:len(v)-1]
				if nonce == "" || v == nonce {
					n = v
					break
				}
			}
		}
		if n == "" {
			return ""
		}
		nonce = n
	}
	if !validNonce(nonce) {
		return ""
	}
	return nonce
}

// sourceList returns the value of the first of the directives present in a
// serialized policy.
func sourceList(policy string, directives ...string) (string, bool) {
	found := map[string]string{}
	for _, d := range strings.Split(policy, ";") {
		// A directive's name ends at any ASCII whitespace (a tab too).
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := found[name]; !dup {
			found[name] = strings.Join(f[1:], " ")
		}
	}
	for _, d := range directives {
		if v, ok := found[d]; ok {
			return v, true
		}
	}
	return "", false
}

// validNonce keeps a nonce to base64 characters, so it can go into an
// attribute without escaping.
func validNonce(n string) bool {
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=' || r == '-' || r == '_') {
			return false
		}
	}
	return n != ""
}

package sdk

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// GuardPlacement chooses where a page's guard (banner.Guard, the script
// that holds the tags page scripts insert before consent) lives
// (Options.Guard). Either way it sits right after the #consent-state and
// #consent-hosts blocks and runs before any later page script.
//
// Inline puts the guard's 5.8 KB of minified script into every page: about
// 7.5 KB raw (3.6 KB gzip) of injected markup in all for a visitor who has
// not chosen, with no request and nothing that blocks rendering. File puts
// a parser-blocking same-origin <script src="/_consent/guard.<hash>.js">
// in its place: about 1.8 KB raw (0.8 KB gzip) in all, whatever the
// catalogue's size, but the first page a visitor views waits for one
// same-origin request (5.8 KB, 2.9 KB gzip) before the parser goes on; the
// file is cached for good (immutable), so later views cost nothing. Auto
// (the default) takes the best of both: inline on the first page of a
// visit of a visitor who has not chosen, with a low-priority prefetch of
// the file, and the file on the pages they reach from it and once they
// have chosen, when the response's Content-Security-Policy admits it
// (guardFile).
// docs/PERFORMANCE.md gives the measured figures.
type GuardPlacement string

// The values of Options.Guard.
const (
	// GuardAuto (the default, "") writes the guard into the page a
	// visitor who has not chosen yet lands on, with <link rel="prefetch">
	// to its file, and loads it from the file, as GuardFile does, on the
	// pages they go to from a page of the same origin (Sec-Fetch-Site:
	// same-origin) and once they have chosen (either way they have seen a
	// page, so the file is in their cache), where the page's policy
	// admits a same-origin script ('self' without 'strict-dynamic', or a
	// nonce). Otherwise inline.
	GuardAuto GuardPlacement = "auto"
	// GuardInline writes the guard into every page.
	GuardInline GuardPlacement = "inline"
	// GuardFile loads the guard from the prefix's guard.<hash>.js with a
	// parser-blocking <script src> (no defer, no async), and the GPP API,
	// when Options.GPP is on, from gpp.<hash>.js alike. A policy's
	// script-src must then allow the prefix's origin ('self'); a nonce,
	// when the policy uses one, goes on the element as on the inline
	// guard.
	GuardFile GuardPlacement = "file"
)

// CheckGuardPlacement reports what is wrong with a guard placement ("" is
// the default, auto).
func CheckGuardPlacement(p GuardPlacement) error {
	switch p {
	case "", GuardAuto, GuardInline, GuardFile:
		return nil
	}
	return fmt.Errorf("guard %q: want auto, inline or file", string(p))
}

// guardFile reports whether this page loads the guard (and the GPP API)
// from their files rather than inline, and, for an inline page, whether
// it should prefetch them: with GuardAuto, a page whose policy admits the
// files loads them when the visitor has chosen or came from a page of the
// same origin (which prefetched them), and prefetches them otherwise.
// policies are the response's (cspPolicies), nonce the script nonce the
// injected elements carry.
func (c *Consent) guardFile(r *http.Request, s *State, policies []string, nonce string) (file, prefetch bool) {
	switch c.opts.Guard {
	case GuardFile:
		return true, false
	case GuardInline:
		return false, false
	}
	https := c.isHTTPS(r)
	if !scriptFileAllowed(policies, nonce, https) {
		return false, false
	}
	file = s.Decided || sameOriginNavigation(r)
	return file, !file && prefetchAllowed(policies, https)
}

// prefetchAllowed reports whether every enforced policy lets the page
// prefetch a same-origin file: browsers judge <link rel="prefetch"> by
// default-src (it has no directive of its own), so a policy whose
// default-src lacks 'self' and * would report a violation on every page
// and never warm the cache. (Under such a policy the file still loads,
// for a visitor who has chosen, by script-src's 'self' or nonce, only
// not from the cache the first time.)
func prefetchAllowed(policies []string, https bool) bool {
	for _, p := range policies {
		src, ok := sourceList(p, "default-src")
		if !ok {
			continue
		}
		if !slices.ContainsFunc(strings.Fields(strings.ToLower(src)), func(tok string) bool { return ownOrigin(tok, https) }) {
			return false
		}
	}
	return true
}

// ownOrigin reports whether a source expression matches every URL of the
// page's own origin: 'self', *, or a scheme source of its scheme (http:
// matches https too, as CSP3 upgrades it). A host source naming the site
// is not taken for one: the guard then stays inline, which is always safe.
func ownOrigin(tok string, https bool) bool {
	switch tok {
	case "'self'", "*", "http:":
		return true
	case "https:":
		return https
	}
	return false
}

// sameOriginNavigation reports whether r is a navigation from a page of
// the same origin (a link, a form, a script's location change), as the
// browser's fetch metadata says: that page carried the guard or prefetched
// its file, which is same-origin too, so the file is in the cache or on
// its way. A reload, a typed address, a bookmark or another site's link is
// "none" or "cross-site"; browsers without fetch metadata send none.
func sameOriginNavigation(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Site") == "same-origin" && r.Header.Get("Sec-Fetch-Mode") == "navigate"
}

// scriptFileAllowed reports whether every enforced policy lets a
// parser-inserted same-origin <script src> run: it carries the policies'
// common nonce, or the policy's script source list (script-src-elem,
// script-src or default-src) has a source of the page's own origin
// (ownOrigin: 'self', *, its scheme) and no 'strict-dynamic' (which makes
// the browser ignore those). A policy that governs no scripts admits it.
func scriptFileAllowed(policies []string, nonce string, https bool) bool {
	if nonce != "" {
		return true
	}
	for _, p := range policies {
		src, ok := sourceList(p, "script-src-elem", "script-src", "default-src")
		if !ok {
			continue
		}
		self := false
		for _, tok := range strings.Fields(strings.ToLower(src)) {
			if tok == "'strict-dynamic'" {
				return false
			}
			self = self || ownOrigin(tok, https)
		}
		if !self {
			return false
		}
	}
	return true
}

package sdk

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// maxHashCategories bounds the optional categories whose every subset
// InlineScriptHashes renders (2^10 subsets); beyond it, the rest are
// varied all together.
const maxHashCategories = 10

// InlineScriptHashes returns the Content-Security-Policy hash sources
// ('sha256-…', sorted, each once) of the inline scripts the engine puts
// into pages: the guard, the vendors' consent defaults (Options.Signals)
// and any other inline script of the injection. A policy whose
// script-src allows scripts by hash only (no nonce, no 'unsafe-inline')
// must list all of them, as well as the origin of the banner's own files
// (Prefix, usually 'self'), or the browser blocks the guard without a
// word and every tag a page script inserts later runs unchecked.
//
// The hashes are computed from the live injection code: it renders the
// head and body markup for every visitor state (decided or not, each
// regime, every combination of granted categories, GPC and DNT, a
// re-asked visitor, a crawler) and hashes every inline script element
// that a browser would run, as the HTML tokenizer reads it. The vendors'
// defaults depend on the visitor's state, so there is one hash of them per
// distinct state the configured vendors can tell apart. The list changes
// with the build and the configuration (see `caddy consent-csp`).
func (c *Consent) InlineScriptHashes() []string {
	seen := map[string]bool{}
	b := new(bytes.Buffer)
	add := func(r *http.Request, s *State) {
		head, body, _ := c.injection(b, r, s, http.Header{})
		for _, src := range [][]byte{head, body} {
			for _, script := range inlineScripts(src) {
				seen[hashSource(script)] = true
			}
		}
	}
	visitor, _ := http.NewRequest(http.MethodGet, "/", nil)
	visitor.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	crawler, _ := http.NewRequest(http.MethodGet, "/", nil)
	crawler.Header.Set("User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")

	for _, granted := range c.categorySubsets() {
		for _, reg := range []Regime{RegimeOptIn, RegimeOptOut, RegimeNotice} {
			for _, sig := range []Signals{{}, {GPC: true}, {DNT: true}, {GPC: true, DNT: true}} {
				for _, decided := range []bool{false, true} {
					s := &State{Version: c.opts.PolicyVersion, Regime: reg, Decided: decided, Signals: sig,
						Categories: make(map[string]bool, len(c.categories))}
					for _, cat := range c.categories {
						s.Categories[cat.Key] = cat.Key == Necessary || granted[cat.Key]
					}
					if decided {
						s.ID, s.Method, s.Time = strings.Repeat("0", 32), MethodCustom, "2006-01-02T15:04:05Z"
					}
					add(visitor, s)
				}
			}
		}
	}
	// The regime's own defaults, re-asked visitors and crawlers.
	for _, reg := range []Regime{RegimeOptIn, RegimeOptOut, RegimeNotice} {
		for _, sig := range []Signals{{}, {GPC: true}, {DNT: true}, {GPC: true, DNT: true}} {
			for _, reask := range []string{"", reaskPolicy, reaskExpired} {
				s := c.defaults(reg, sig)
				s.reask = reask
				add(visitor, s)
				add(crawler, s)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

// hashSource is the CSP hash source of a script's text.
func hashSource(script []byte) string {
	sum := sha256.Sum256(script)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// categorySubsets returns every combination of the optional categories
// granted (the first maxHashCategories of them in full; the others
// following the last of those).
func (c *Consent) categorySubsets() []map[string]bool {
	var optional []string
	for _, k := range c.sortedKeys {
		if k != Necessary {
			optional = append(optional, k)
		}
	}
	free, rest := optional, []string(nil)
	if len(free) > maxHashCategories {
		free, rest = optional[:maxHashCategories], optional[maxHashCategories:]
	}
	out := make([]map[string]bool, 0, 1<<len(free))
	for mask := 0; mask < 1<<len(free); mask++ {
		g := make(map[string]bool, len(optional))
		for i, k := range free {
			g[k] = mask&(1<<i) != 0
		}
		for _, k := range rest {
			g[k] = mask&(1<<(len(free)-1)) != 0
		}
		out = append(out, g)
	}
	return out
}

// inlineScripts returns the text of each inline script element in markup
// that a browser runs as a classic script or module (not JSON or other
// data blocks), as the HTML tokenizer reads it: the bytes a CSP hash is
// computed over.
func inlineScripts(markup []byte) [][]byte {
	var out [][]byte
	z := html.NewTokenizer(bytes.NewReader(markup))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "script" {
				continue
			}
			runs := true
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "src":
					runs = false
				case "type":
					runs = runs && scriptTypeRuns(string(v))
				}
			}
			text := []byte{}
			if z.Next() == html.TextToken {
				text = append(text, z.Text()...)
			}
			if runs {
				out = append(out, text)
			}
		}
	}
}

// scriptTypeRuns reports whether a script element's type attribute makes
// it a classic script or a module (the HTML standard's JavaScript MIME
// type essence matches, case-insensitively, ignoring surrounding
// whitespace).
func scriptTypeRuns(t string) bool {
	t = strings.ToLower(strings.Trim(t, " \t\n\f\r"))
	switch t {
	case "", "module", "text/javascript", "application/javascript", "application/ecmascript",
		"application/x-ecmascript", "application/x-javascript", "text/ecmascript", "text/jscript",
		"text/livescript", "text/x-ecmascript", "text/x-javascript", "text/javascript1.0",
		"text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
		"text/javascript1.5":
		return true
	}
	return false
}

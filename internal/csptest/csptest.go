// Package csptest reads pages as a browser does for tests of
// Content-Security-Policy hashes: independently of the engine's own
// tokenizer loop (sdk's InlineScriptHashes), so each checks the other.
package csptest

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"golang.org/x/net/html"
)

// InlineScriptHashes parses page into a DOM, as a browser would, and
// returns the CSP hash sources ('sha256-…') of the inline scripts a
// browser would run in it: <script> elements without src whose type is
// empty, text/javascript or module.
func InlineScriptHashes(page string) ([]string, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, err
	}
	var out []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "script" || !runs(n) {
			continue
		}
		text := ""
		if n.FirstChild != nil {
			text = n.FirstChild.Data
		}
		sum := sha256.Sum256([]byte(text))
		out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return out, nil
}

// runs reports whether a script element is an inline classic or module
// script.
func runs(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "src" || a.Key == "type" && a.Val != "" && a.Val != "text/javascript" && a.Val != "module" {
			return false
		}
	}
	return true
}

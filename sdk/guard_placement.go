package sdk

import "fmt"

// GuardPlacement chooses where a page's guard (banner.Guard, the script
// that holds the tags page scripts insert before consent) lives
// (Options.Guard). Either way it sits right after the #consent-state and
// #consent-hosts blocks and runs before any later page script.
//
// Inline (the default) puts the guard's 5.8 KB of minified script into
// every page: about 7.5 KB raw (3.6 KB gzip) of injected markup in all for
// a visitor who has not chosen, with no request and nothing that blocks
// rendering. File puts a parser-blocking same-origin <script
// src="/_consent/guard.<hash>.js"> in its place: about 1.8 KB raw (0.8 KB
// gzip) in all, whatever the catalogue's size, but the first page a
// visitor views waits for one same-origin request (5.8 KB, 2.9 KB gzip)
// before the parser
// goes on; the file is cached for good (immutable), so later views cost
// nothing. docs/PERFORMANCE.md gives the measured figures.
type GuardPlacement string

// The values of Options.Guard.
const (
	// GuardInline (the default, "") writes the guard into every page.
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
// the default, inline).
func CheckGuardPlacement(p GuardPlacement) error {
	switch p {
	case "", GuardInline, GuardFile:
		return nil
	}
	return fmt.Errorf("guard %q: want inline or file", string(p))
}

// guardAsFile reports whether pages load the guard as a file.
func (o *Options) guardAsFile() bool { return o.Guard == GuardFile }

// Package rewrite is Consentry's streaming HTML rewriter: a Writer that
// neutralises the tags of a page that would load or run code of a category
// a Policy refuses, and inserts the consent markup once, while every other
// byte passes through as it came.
//
// It reads HTML as a browser does, with the tdewolff/parse/v2 lexer and a
// fast scanner over what no rule can touch, and corrects the lexer where
// browsers differ: a raw-text element ends only at its name followed by
// whitespace, '/' or '>'; <image> is <img>; "<![CDATA[" in HTML is a bogus
// comment; <svg> and <math> are read by the tree builder's rules for
// foreign content, with their integration points and the tags that break
// out (foreign.go); a <noscript> that reads differently with scripting on
// (raw text) and off (markup) is made to read the same when the scripting
// reading would load a tracker (noscript.go). Frame documents (srcdoc,
// data: URLs) are judged as pages by a nested Writer (dataurl.go). The
// one table of elements and URL attributes it acts on is in table.go;
// URLHost maps an attribute value to the host a browser would fetch, and
// HostName is the one host canonicaliser (IDNA as Chromium maps hosts)
// that the engine's host comparisons share. CSS (style elements and
// attributes) is read with the tdewolff/parse/v2/css tokenizer, and only
// the url(), @import and image-set URLs of a refused host are blanked,
// never the rest of the style (css.go, style.go; docs/SECURITY.md,
// "Styles: the tracker, not the page"). The package imports nothing of
// the rest of the engine: Policy is all it knows of a visitor.
//
// # Inline scripts
//
// An inline script is neutralised when it loads or runs a tracker, not when
// a tracker's host merely appears in it:
//
//  1. its body matches an inline pattern of a refused category (the
//     vendors' loader snippets and calls of their queues, such as
//     "gtag('config'" or "fbq('init'"; Policy.RefusedInline); or
//  2. it imports code from a refused host or first-party path where the
//     browser's guard cannot intercept the request: a static import or
//     re-export ("import … from '…'", "import '…'", "export … from '…'"),
//     a dynamic import("…") or importScripts("…"), with the specifier's
//     JavaScript escapes decoded. When such an import takes a computed URL
//     (a variable, a concatenation, a data: or blob: URL), any refused host
//     the body names decides, as before.
//
// An import map or speculation rules (<script type=importmap>,
// type=speculationrules) is neutralised when one of its JSON values (not
// its keys) is a URL on a refused host or first-party path: the browser
// loads it (a module's bare import mapped to it, a prefetch or prerender)
// with no script running.
//
// Any other script runs, even one that names a refused host in a string
// (a site configuration, a consent tool's vendor list): whatever it later
// inserts (script, iframe, image, markup) or requests goes through the DOM
// and network APIs that the guard holds until consent. The scan reads the
// text without parsing it, so an import spelled inside a string or a
// comment counts too: that can only make a script wait for consent.
//
// # First-party paths
//
// A tag gateway or a server-side tag manager serves a vendor's tags from
// the site's own host ("/metrics/…"). When the Policy is a PathPolicy, a
// URL that resolves to the page's own host (Writer.SetPage) — relative, or
// absolute on that host — with a path under a category's prefix is treated
// exactly like a URL on a catalogued host. The path is compared as the
// browser sends it (NormalisePath): backslashes as slashes, percent-encoded
// unreserved characters decoded, dot segments removed, case kept; a
// "%2F" also counts as a slash, as a server in front may route it so.
//
// testdata/rewrite holds the golden pages (see its README); FuzzRewriter
// checks every output against an independent checker (check_test.go).
package rewrite

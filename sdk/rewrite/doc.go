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
// out (foreign.go); <noscript> is made to read the same with scripting on
// (raw text) and off (markup) (noscript.go). Frame documents (srcdoc,
// data: URLs) are judged as pages by a nested Writer (dataurl.go). The
// one table of elements and URL attributes it acts on is in table.go;
// URLHost maps an attribute value to the host a browser would fetch, and
// HostName is the one host canonicaliser (IDNA as Chromium maps hosts)
// that the engine's host comparisons share. The package imports nothing
// of the rest of the engine: Policy is all it knows of a visitor.
//
// testdata/rewrite holds the golden pages (see its README); FuzzRewriter
// checks every output against an independent checker (check_test.go).
package rewrite

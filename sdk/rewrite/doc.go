// Package rewrite is Consentry's streaming HTML rewriter: a Writer that
// neutralises the tags of a page that would load or run code of a category
// a Policy refuses, and inserts the consent markup once, while every other
// byte passes through as it came.
//
// It reads HTML as a scripting browser does, with the tdewolff/parse/v2
// lexer and a fast scanner over what no rule can touch; the one table of
// elements and URL attributes it acts on is in table.go; URLHost maps an
// attribute value to the host a browser would fetch. CSS (style elements
// and attributes) is read with the tdewolff/parse/v2/css tokenizer, and
// only the url(), @import and image-set URLs of a refused host are
// blanked, never the rest of the style (css.go, style.go;
// docs/SECURITY.md, "Styles: the tracker, not the page"). The package imports
// nothing of the rest of the engine: Policy is all it knows of a visitor.
//
// testdata/rewrite holds the golden pages (see its README); FuzzRewriter
// checks every output against an independent checker (check_test.go).
package rewrite

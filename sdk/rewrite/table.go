package rewrite

// This file holds the one table of the elements and attributes the
// rewriter reads. Everything else — the lexer pass's classes, the fast
// scanner's masks, the foreign-content classes, the list of attributes the
// banner restores on consent (RenamedAttrs) — is derived from it. The
// lookups by name are switches generated from it (table_lookup.go; a
// switch on strings is the cheapest lookup Go has, and these run for every
// attribute of every tag the lexer reads).
//
//go:generate go test -run TestTableLookupGenerated -update-lookup .

// docKind says what the content of a data: URL in an element's URL
// attributes is to the browser (see dataurl.go).
type docKind uint8

const (
	docNone   docKind = iota // an image or media: it loads nothing further
	docFrame                 // a document (HTML, SVG, XML) that runs and loads
	docScript                // a script
	docStyle                 // a style sheet (a link's href)
)

// element is one row of the element table.
type element struct {
	name  string
	class tagClass
	// fast is true for an element the fast scanner (skipFast) may judge
	// by its attribute names alone: it is passed without the lexer unless
	// it carries one of class.urls or style. Other elements of the table
	// always go to the lexer.
	fast bool
}

// elements is the table of the elements the rewriter cares about, with
// the (element, attribute) pairs whose URL the browser fetches, connects
// to or runs without a user action (class.urls). An element whose
// attribute of this table points at a refused host, or that is marked with
// a refused data-category, is neutralised: all its attributes of this
// table get a "data-" prefix. Links the user follows (a href, form action,
// formaction) are not here: a click is a choice; but the ping beacon is.
// longdesc never fetches. On <img>, <iframe>, <source>, <video>, <audio>
// the lazy-loading twins data-src and data-srcset count too (the page's own
// lazy loader fetches them), see dataTwin. Inside <svg> and <math> every
// element but <a> fetches its href, xlink:href and src (see foreignClass).
// Raw-text elements are closed by their own end tag (tagClass.rawName is
// set from name). The doc column says how a data: URL in the element's URL
// attributes is judged: as a frame's document, a script or a style sheet.
var elements = [...]element{
	{"script", tagClass{el: elScript, raw: rawScript, urls: attrSrc, doc: docScript}, false},
	{"img", tagClass{el: elFetch, urls: attrSrc | attrSrcset | attrLowsrc | attrLazy}, false},
	{"image", tagClass{el: elFetch, urls: attrSrc | attrSrcset | attrLowsrc | attrLazy}, false}, // <img> to HTML's tree builder
	{"iframe", tagClass{el: elFetch, raw: rawText, urls: attrSrc | attrSrcdoc | attrLazy, doc: docFrame}, false},
	{"frame", tagClass{el: elFetch, urls: attrSrc | attrSrcdoc, doc: docFrame}, false},
	{"embed", tagClass{el: elFetch, urls: attrSrc, doc: docFrame}, false},
	{"object", tagClass{el: elFetch, urls: attrData | attrArchive | attrCodebase, doc: docFrame}, false},
	{"applet", tagClass{el: elFetch, urls: attrArchive | attrCodebase}, false},
	{"video", tagClass{el: elFetch, urls: attrSrc | attrPoster | attrLazy}, false},
	{"audio", tagClass{el: elFetch, urls: attrSrc | attrLazy}, false},
	{"source", tagClass{el: elFetch, urls: attrSrc | attrSrcset | attrLazy}, false},
	{"track", tagClass{el: elFetch, urls: attrSrc}, false},
	{"input", tagClass{el: elFetch, urls: attrSrc}, false}, // type=image
	{"portal", tagClass{el: elFetch, urls: attrSrc, doc: docFrame}, false},
	{"link", tagClass{el: elLink, urls: attrHref | attrImagesrcset, doc: docStyle}, false}, // with a loading rel
	{"base", tagClass{el: elFetch, urls: attrHref}, false},                                 // redirects every relative URL
	{"meta", tagClass{el: elMeta, urls: attrContent}, false},                               // http-equiv=refresh
	{"html", tagClass{el: elHTML, urls: attrManifest}, true},
	{"body", tagClass{el: elBody, urls: attrBackground}, true},
	{"table", tagClass{el: elFetch, urls: attrBackground}, true},
	{"td", tagClass{el: elFetch, urls: attrBackground}, true},
	{"th", tagClass{el: elFetch, urls: attrBackground}, true},
	{"a", tagClass{el: elFetch, urls: attrPing}, true},
	{"area", tagClass{el: elFetch, urls: attrPing}, true},
	{"head", tagClass{el: elHead}, true},
	{"style", tagClass{el: elStyle, raw: rawText}, false},
	{"textarea", tagClass{raw: rawText}, false},
	{"title", tagClass{raw: rawText}, false},
	{"xmp", tagClass{raw: rawText}, false},
	{"noembed", tagClass{raw: rawText}, false},
	{"noframes", tagClass{raw: rawText}, false},
	{"plaintext", tagClass{raw: rawPlain}, false},
	{"noscript", tagClass{el: elNoscript}, false}, // raw text to a browser running scripts: see noscript.go
}

// attribute is one row of the attribute table.
type attribute struct {
	name string
	kind attrKind
}

// attributes names the attributes the rewriter reads (lowercase).
var attributes = [...]attribute{
	{"src", attrSrc}, {"srcset", attrSrcset}, {"data", attrData}, {"poster", attrPoster},
	{"href", attrHref}, {"xlink:href", attrXlinkHref}, {"lowsrc", attrLowsrc},
	{"background", attrBackground}, {"archive", attrArchive}, {"codebase", attrCodebase},
	{"manifest", attrManifest}, {"imagesrcset", attrImagesrcset}, {"ping", attrPing},
	{"srcdoc", attrSrcdoc}, {"content", attrContent}, {"style", attrStyle},
	{"data-src", attrLazy}, {"data-srcset", attrLazy},
	{"type", attrType}, {"rel", attrRel}, {"data-category", attrCategory},
	{"http-equiv", attrHTTPEquiv},
}

// renamedKinds are the attribute kinds a neutralised tag carries with a
// "data-" prefix: every fetching URL attribute, and style.
const renamedKinds = ^(attrType | attrRel | attrCategory | attrHTTPEquiv | attrLazy)

func init() {
	for i := range elements {
		c := &elements[i].class
		if c.raw == rawText || c.raw == rawScript {
			c.rawName = elements[i].name
		}
		c.fast = elements[i].fast
	}
}

// classifyTag returns the class of the lowercase tag name, or the zero
// class.
func classifyTag(name []byte) tagClass {
	if i := elementIndex(name); i >= 0 {
		return elements[i].class
	}
	return tagClass{}
}

// attrNameKind returns the kind of the lowercase attribute name key, or 0.
func attrNameKind(key []byte) attrKind {
	if i := attributeIndex(key); i >= 0 {
		return attributes[i].kind
	}
	return 0
}

// maxNameLen bounds the names of the tables ("data-category" is the
// longest); a longer name is in neither.
const maxNameLen = 16

// lowerName returns name lowercased (ASCII) in buf, and false when it is
// longer than any name of the tables.
func lowerName(buf *[maxNameLen]byte, name []byte) ([]byte, bool) {
	if len(name) > maxNameLen {
		return nil, false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(name)], true
}

// RenamedAttrs returns the names of the attributes a neutralised tag may
// carry with a "data-" prefix: the fetching URL attributes of every element
// and style. The banner restores exactly these on consent.
func RenamedAttrs() []string {
	var out []string
	for _, a := range attributes {
		if a.kind&renamedKinds != 0 {
			out = append(out, a.name)
		}
	}
	return out
}

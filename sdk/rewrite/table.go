package rewrite

// This file holds the one table of the elements and attributes the
// rewriter reads. Everything else — the lexer pass's classes, the fast
// scanner's masks, the foreign-content classes, the list of attributes the
// banner restores on consent (RenamedAttrs) — is derived from it.

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
// set from name).
var elements = [...]element{
	{"script", tagClass{el: elScript, raw: rawScript, urls: attrSrc}, false},
	{"img", tagClass{el: elFetch, urls: attrSrc | attrSrcset | attrLowsrc | attrLazy}, false},
	{"iframe", tagClass{el: elFetch, raw: rawText, urls: attrSrc | attrSrcdoc | attrLazy}, false},
	{"frame", tagClass{el: elFetch, urls: attrSrc | attrSrcdoc}, false},
	{"embed", tagClass{el: elFetch, urls: attrSrc}, false},
	{"object", tagClass{el: elFetch, urls: attrData | attrArchive | attrCodebase}, false},
	{"applet", tagClass{el: elFetch, urls: attrArchive | attrCodebase}, false},
	{"video", tagClass{el: elFetch, urls: attrSrc | attrPoster | attrLazy}, false},
	{"audio", tagClass{el: elFetch, urls: attrSrc | attrLazy}, false},
	{"source", tagClass{el: elFetch, urls: attrSrc | attrSrcset | attrLazy}, false},
	{"track", tagClass{el: elFetch, urls: attrSrc}, false},
	{"input", tagClass{el: elFetch, urls: attrSrc}, false}, // type=image
	{"portal", tagClass{el: elFetch, urls: attrSrc}, false},
	{"link", tagClass{el: elLink, urls: attrHref | attrImagesrcset}, false}, // with a loading rel
	{"base", tagClass{el: elFetch, urls: attrHref}, false},                  // redirects every relative URL
	{"meta", tagClass{el: elMeta, urls: attrContent}, false},                // http-equiv=refresh
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

var (
	elementIndex   = newNameIndex(len(elements), func(i int) string { return elements[i].name })
	attributeIndex = newNameIndex(len(attributes), func(i int) string { return attributes[i].name })
)

func init() {
	for i := range elements {
		if c := &elements[i].class; c.raw == rawText || c.raw == rawScript {
			c.rawName = elements[i].name
		}
	}
}

// classifyTag returns the class of the lowercase tag name, or the zero
// class.
func classifyTag(name []byte) tagClass {
	if i := elementIndex.find(name, false); i >= 0 {
		return elements[i].class
	}
	return tagClass{}
}

// attrNameKind returns the kind of the lowercase attribute name key, or 0.
func attrNameKind(key []byte) attrKind {
	if i := attributeIndex.find(key, false); i >= 0 {
		return attributes[i].kind
	}
	return 0
}

// attrNameKindFold is attrNameKind for a name in any case.
func attrNameKindFold(key []byte) attrKind {
	if i := attributeIndex.find(key, true); i >= 0 {
		return attributes[i].kind
	}
	return 0
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

// nameIndex finds a name among a fixed set in one probe: a hash of the
// name's length and first, middle and last bytes picks a slot (a
// multiplier is searched for at start-up so that the set's names never
// share one), and one comparison confirms. It costs about what a switch on
// strings does, and it is built from the table, so there is nothing to
// keep in step by hand.
type nameIndex struct {
	slot  [256]uint8 // hash → 1 + index, 0 for none
	mul   uint32
	names []string
}

// maxIndexedName bounds the names a nameIndex holds ("data-category" is
// the longest); longer ones are found at once not to be there.
const maxIndexedName = 16

func newNameIndex(n int, name func(int) string) *nameIndex {
	x := &nameIndex{names: make([]string, n)}
	for i := range n {
		x.names[i] = name(i)
		if len(x.names[i]) > maxIndexedName {
			panic("rewrite: table name longer than maxIndexedName: " + x.names[i])
		}
	}
search:
	for try, mul := 0, uint32(0x9E3779B1); try < 1<<16; try, mul = try+1, mul+2 {
		x.slot = [256]uint8{}
		x.mul = mul
		for i, s := range x.names {
			h := x.hash([]byte(s))
			if x.slot[h] != 0 {
				continue search
			}
			x.slot[h] = uint8(i + 1)
		}
		return x
	}
	panic("rewrite: no collision-free hash for the table's names")
}

// hash returns the slot of name (1 to maxIndexedName bytes). Each byte is
// ORed with 0x20, which lowercases ASCII letters and leaves the other
// bytes of the table's names (digits, '-', ':') as they are, so a name
// hashes alike in any case; the comparison in find tells the rest apart.
func (x *nameIndex) hash(name []byte) uint8 {
	n := len(name)
	k := uint32(n)<<24 ^ uint32(name[0]|0x20)<<16 ^ uint32(name[n>>1]|0x20)<<8 ^ uint32(name[n-1]|0x20)
	return uint8((k * x.mul) >> 24)
}

// find returns the index of name in the set, or -1; fold ignores ASCII
// case in name (the set's names are lowercase).
func (x *nameIndex) find(name []byte, fold bool) int {
	if len(name) == 0 || len(name) > maxIndexedName {
		return -1
	}
	i := int(x.slot[x.hash(name)]) - 1
	if i < 0 {
		return -1
	}
	if fold {
		if !equalFoldLower(name, x.names[i]) {
			return -1
		}
	} else if string(name) != x.names[i] {
		return -1
	}
	return i
}

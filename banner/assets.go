package banner

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"
)

// Asset is one minified banner file.
type Asset struct {
	// Name is the file name with a content hash, e.g. "banner.3f9a1c2b4d5e.js".
	Name string
	// ContentType is the Content-Type header value.
	ContentType string
	// Body is the minified file.
	Body []byte
	// ETag is a strong, quoted entity tag of Body.
	ETag string
}

// hashLen is the number of hex digits of the SHA-256 in asset names.
const hashLen = 12

const (
	jsType  = "text/javascript; charset=utf-8"
	cssType = "text/css; charset=utf-8"
)

var (
	//go:embed js/core.js
	coreJS []byte
	//go:embed js/activate.js
	activateJS []byte
	//go:embed js/optout.js
	optoutJS []byte
	//go:embed js/ui.js
	uiJS []byte
	//go:embed banner.css
	cssSource []byte
	//go:embed guard.js
	guardSource []byte
	//go:embed gpp.js
	gppSource []byte
)

// jsParts are the sources of the banner script, in the order they are
// joined: each part uses names the parts before it declare.
var jsParts = []struct {
	name string
	src  []byte
}{
	{"js/core.js", coreJS},         // state, configuration, helpers, the choice
	{"js/activate.js", activateJS}, // tags and placeholders held until a grant
	{"js/optout.js", optoutJS},     // the opt-out regime's texts and Do Not Sell control
	{"js/ui.js", uiJS},             // banner, preference centre, floating button, start
}

// jsSource is the banner script before minifying: the parts, in order,
// inside one arrow function that runs at once.
//
// The parts are fragments of that one function, not modules or functions
// of their own: they share one scope, as the single file they were split
// from did, so every closure sees the same bindings as before and no part
// needs exports, imports or a namespace object on window. The minifier
// still sees one function whose names are all local, so it renames them
// as before and the script does not grow. Each part is still a script that
// parses on its own (node --check), and the joined source is checked too.
var jsSource = joinJS()

func joinJS() []byte {
	var b bytes.Buffer
	b.WriteString("(() => {\n'use strict';\n")
	for _, p := range jsParts {
		b.WriteString("\n// " + p.name + "\n")
		b.Write(p.src)
	}
	b.WriteString("})();\n")
	return b.Bytes()
}

// cssSlot is the string literal in js/ui.js that assets replaces with the
// minified stylesheet, so that the script applies the styles itself and no
// stylesheet blocks the page's first paint.
const cssSlot = "'@CSS@'"

// built is one asset with its gzip encoding, prepared once.
type built struct {
	Asset
	gz     []byte
	gzETag string
	err    error // the minifier's error; Body is then the source
}

var (
	buildOnce sync.Once
	jsAsset   built
	cssAsset  built
	guardJS   built
	guardStr  string // guardJS.Body, made a string once
	gppJS     built
	gppStr    string // gppJS.Body, made a string once
)

func assets() (*built, *built) {
	buildOnce.Do(func() {
		m := minify.New()
		m.Add("text/javascript", &js.Minifier{Version: 2017})
		m.Add("text/css", &css.Minifier{})
		cssAsset = build(m, "banner", "text/css", ".css", cssType, cssSource)
		jsAsset = build(m, "banner", "text/javascript", ".js", jsType, withCSS(m, jsSource, cssSource))
		guardJS = build(m, "guard", "text/javascript", ".js", jsType, guardSource)
		guardStr = string(guardJS.Body)
		gppJS = build(m, "gpp", "text/javascript", ".js", jsType, gppSource)
		gppStr = string(gppJS.Body)
	})
	return &jsAsset, &cssAsset
}

// build minifies src as mediatype, falling back to src itself when the
// minifier fails, and names the result "<base>.<hash><ext>".
func build(m *minify.M, base, mediatype, ext, contentType string, src []byte) built {
	body, err := m.Bytes(mediatype, src)
	if err != nil {
		body = src
	}
	b := prepare(base, ext, contentType, body)
	b.err = err
	return b
}

// prepare names body "<base>.<hash><ext>" and makes its gzip encoding.
func prepare(base, ext, contentType string, body []byte) built {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])[:hashLen]
	return built{
		Asset: Asset{
			Name:        base + "." + hash + ext,
			ContentType: contentType,
			Body:        body,
			ETag:        `"` + hash + `"`,
		},
		gz:     gzipBytes(body),
		gzETag: `"` + hash + `-gz"`,
	}
}

// nojsMark starts the part of banner.css that only the no-JavaScript form
// needs; the script's copy of the styles ends before it.
var nojsMark = []byte("/* @nojs")

// withCSS returns the script source with the stylesheet src (up to
// nojsMark), minified by m, as a JavaScript string literal in place of
// cssSlot.
func withCSS(m *minify.M, js, src []byte) []byte {
	if i := bytes.Index(src, nojsMark); i >= 0 {
		src = src[:i]
	}
	css, err := m.Bytes("text/css", src)
	if err != nil {
		css = src
	}
	var lit bytes.Buffer
	enc := json.NewEncoder(&lit)
	enc.SetEscapeHTML(false)    // an external script: no "</script" concern
	_ = enc.Encode(string(css)) // a string always encodes
	return bytes.Replace(js, []byte(cssSlot), bytes.TrimSpace(lit.Bytes()), 1)
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	_, _ = zw.Write(b)                                       // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}

// JS returns the minified banner script.
func JS() Asset {
	j, _ := assets()
	return j.Asset
}

// CSS returns the minified banner stylesheet. The script carries the same
// styles and applies them itself; a page links this file only inside
// <noscript>, for the no-JavaScript consent form.
func CSS() Asset {
	_, c := assets()
	return c.Asset
}

// Guard returns the minified guard script, to be inlined (with the page's
// CSP script nonce; or loaded from GuardFile, with the same bytes) right after the #consent-state and #consent-hosts JSON
// blocks and before any page script. It holds inert every element that
// page scripts point at a catalogued host or first-party path prefix of a
// refused category (#consent-hosts: {"analytics": ["/path/", …], …}
// inline, and the hosts in the file its data-src names, of the same form,
// fetched at start; see docs/SECURITY.md for the window before it
// arrives and a table that fails to load), through URL properties, attributes, markup strings or nodes of other
// documents, marked as the server marks neutralised tags, so that the
// banner activates them on a grant; and it drops the requests they make
// directly (fetch, XMLHttpRequest, sendBeacon, WebSocket, EventSource,
// workers, window.open, forms). See docs/SECURITY.md, "The guard". It
// contains no "</script" and needs no escaping.
func Guard() string {
	assets()
	return guardStr
}

// GuardFile returns the guard (the same bytes as Guard) as a file named
// "guard.<hash>.js", for pages that load it with a parser-blocking
// same-origin <script src> in place of the inline script (the sdk's
// GuardFile placement), right after the #consent-state and
// #consent-hosts JSON blocks and with no defer or async, so that it still
// runs before any later page script. ServeAsset serves it.
func GuardFile() Asset {
	assets()
	return guardJS.Asset
}

// GPP returns the minified IAB GPP CMP API (gpp.js), which a page carries
// inline in <head> when the GPP is on. Its script element carries
// data-cmp (the CMP id) and data-apis (the supported sections,
// "7:usnat,8:usca"); it reads the GPP string from #consent-state.
func GPP() string {
	assets()
	return gppStr
}

// GPPFile returns the GPP API (the same bytes as GPP) as a file named
// "gpp.<hash>.js", for pages that load it, as the guard, with a
// parser-blocking same-origin <script src> (the sdk's GuardFile
// placement); the element carries data-cmp and data-apis as the inline
// one does (the script reads them through document.currentScript).
// ServeAsset serves it.
func GPPFile() Asset {
	assets()
	return gppJS.Asset
}

// File is a file made at start from a site's configuration and served like
// the banner assets (see ServeAsset): under a content hash, cached for
// good, gzip-encoded when the request accepts it.
type File struct{ b built }

// NewFile names body "<base>.<hash><ext>" (the hash as in asset names) and
// prepares its gzip encoding.
func NewFile(base, ext, contentType string, body []byte) *File {
	return &File{prepare(base, ext, contentType, body)}
}

// ConfigScript returns the banner configuration of one language of a site
// as a script, named "config.<lang>.<hash>.js", that sets
// self.consentryConfig to config (the configuration JSON, which is also a
// JavaScript expression). A page loads it deferred, right before the
// banner script, which reads it:
//
//	<script src="/_consent/config.en.3f9a1c2b4d5e.js" defer></script>
//	<script src="/_consent/banner.4da875d08b32.js" defer></script>
//
// Its name changes whenever its content does, so browsers keep it for good
// and fetch it once per site and language, instead of every page carrying
// the texts.
func ConfigScript(lang string, config []byte) *File {
	body := make([]byte, 0, len(config)+24)
	body = append(body, "self.consentryConfig="...)
	body = append(body, config...)
	body = append(body, ';', '\n')
	return NewFile("config."+lang, ".js", jsType, body)
}

// Name returns the file name, e.g. "config.en.3f9a1c2b4d5e.js".
func (f *File) Name() string { return f.b.Name }

// Body returns the file's bytes (not encoded).
func (f *File) Body() []byte { return f.b.Body }

// Serve writes the file as ServeAsset writes an asset. When immutable is
// false (a request for another version of the file, whose name it no
// longer has), it is sent with "Cache-Control: no-cache" instead of a
// year-long lifetime.
func (f *File) Serve(w http.ResponseWriter, r *http.Request, immutable bool) {
	serve(w, r, &f.b, immutable)
}

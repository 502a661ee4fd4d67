package banner

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
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
	//go:embed banner.js
	jsSource []byte
	//go:embed banner.css
	cssSource []byte
)

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
)

func assets() (*built, *built) {
	buildOnce.Do(func() {
		m := minify.New()
		m.Add("text/javascript", &js.Minifier{Version: 2017})
		m.Add("text/css", &css.Minifier{})
		jsAsset = build(m, "text/javascript", ".js", jsType, jsSource)
		cssAsset = build(m, "text/css", ".css", cssType, cssSource)
	})
	return &jsAsset, &cssAsset
}

// build minifies src as mediatype, falling back to src itself when the
// minifier fails, and names the result "banner.<hash><ext>".
func build(m *minify.M, mediatype, ext, contentType string, src []byte) built {
	body, err := m.Bytes(mediatype, src)
	if err != nil {
		body = src
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])[:hashLen]
	b := built{
		Asset: Asset{
			Name:        "banner." + hash + ext,
			ContentType: contentType,
			Body:        body,
			ETag:        `"` + hash + `"`,
		},
		gz:     gzipBytes(body),
		gzETag: `"` + hash + `-gz"`,
		err:    err,
	}
	return b
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

// CSS returns the minified banner stylesheet.
func CSS() Asset {
	_, c := assets()
	return c.Asset
}

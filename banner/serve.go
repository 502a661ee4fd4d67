package banner

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// cacheControl marks the hashed assets as never changing.
const cacheControl = "public, max-age=31536000, immutable"

// ServeAsset writes the asset whose Name equals name, with Cache-Control
// "public, max-age=31536000, immutable", its strong ETag and a 304 answer to
// a matching If-None-Match. The body is gzip-encoded when the request
// accepts gzip. Methods other than GET and HEAD get 405. The guard
// (GuardFile) and the GPP API (GPPFile) are assets too; either under
// another hash (a page rendered by an older build) gets the current file,
// revalidated on every use ("Cache-Control: no-cache"). ServeAsset
// reports false, writing nothing, when name is no asset.
func ServeAsset(w http.ResponseWriter, r *http.Request, name string) bool {
	j, c := assets()
	for _, a := range []*built{j, c, &guardJS, &gppJS} {
		if name == a.Name {
			serve(w, r, a, true)
			return true
		}
	}
	for _, a := range []*built{&guardJS, &gppJS} {
		if sameBase(name, a.Name) {
			serve(w, r, a, false)
			return true
		}
	}
	return false
}

// sameBase reports whether name is current's name ("<base>.<hash><ext>")
// with another hash of hashLen lowercase hex digits.
func sameBase(name, current string) bool {
	if len(name) != len(current) {
		return false
	}
	i := strings.IndexByte(current, '.') + 1
	if name[:i] != current[:i] || name[i+hashLen:] != current[i+hashLen:] {
		return false
	}
	for _, c := range []byte(name[i : i+hashLen]) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// serve writes a, gzip-encoded when the request accepts it. Immutable files
// are cached for a year, others revalidated on every use.
func serve(w http.ResponseWriter, r *http.Request, a *built, immutable bool) {
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	body, etag := a.Body, a.ETag
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = a.gz, a.gzETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", a.ContentType)
	if immutable {
		h.Set("Cache-Control", cacheControl)
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match (304), HEAD and ranges.
	http.ServeContent(w, r, a.Name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip, i.e.
// names gzip (or *) without q=0.
func acceptsGzip(header string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		ok := !zeroQ(params)
		if coding == "gzip" {
			return ok
		}
		star = ok
	}
	return star
}

// zeroQ reports whether params (";q=0.000" and the like) set q to zero.
func zeroQ(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			v = strings.TrimSpace(v)
			return strings.Trim(v, "0.") == "" && v != ""
		}
	}
	return false
}

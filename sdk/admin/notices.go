package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// validHash reports whether s is a SHA-256 in lowercase hex.
func validHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// notice serves <base>/notices/<hash>: the notice as HTML, or as JSON with
// ?format=json or an Accept header preferring it.
func (h *handler) notice(w http.ResponseWriter, r *http.Request, hash string) {
	q := r.URL.Query()
	if err := checkParams(q, "format"); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	if f := q.Get("format"); f != "" && f != "json" && f != "html" {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("format: want json or html, got %q", f))
		return
	}
	if !validHash(hash) {
		httpError(w, http.StatusNotFound, "no such notice: a notice hash is 64 lowercase hex digits")
		return
	}
	n, ok, err := h.store.Notice(r.Context(), hash)
	if err != nil {
		h.storeError(w, r, "notice", err)
		return
	}
	if !ok {
		httpError(w, http.StatusNotFound, "no such notice: the consent log holds no notice with this hash")
		return
	}
	if wantsJSON(r) {
		writeNoticeJSON(w, n)
		return
	}
	d := noticeData{Notice: n, FirstSeen: formatTime(n.FirstSeen), JSONLink: hash + "?format=json",
		Raw: string(n.Content)}
	var pretty bytes.Buffer
	if json.Indent(&pretty, n.Content, "", "  ") == nil {
		d.Raw = pretty.String()
		d.Tree = parseTree(n.Content)
	}
	h.render(w, "notice", "Notice "+hash[:12], "../", d)
}

// writeNoticeJSON writes n with its content byte for byte as stored, so
// its SHA-256 can be checked against the hash; content that is not JSON is
// sent as a string.
func writeNoticeJSON(w http.ResponseWriter, n consentlog.Notice) {
	meta, _ := json.Marshal(struct {
		Hash          string    `json:"hash"`
		PolicyVersion string    `json:"policy_version"`
		Language      string    `json:"language"`
		FirstSeen     time.Time `json:"first_seen"`
	}{n.Hash, n.PolicyVersion, n.Language, n.FirstSeen})
	content := []byte(n.Content)
	if !json.Valid(content) {
		content, _ = json.Marshal(string(n.Content))
	}
	var b bytes.Buffer
	b.Write(meta[:len(meta)-1])
	b.WriteString(`,"content":`)
	b.Write(content)
	b.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// noticeData is the notice page's content.
type noticeData struct {
	Notice    consentlog.Notice
	FirstSeen string
	JSONLink  string
	Raw       string
	Tree      *node // nil when Content is not JSON
}

// node is a JSON value for generic display: an object (Children with
// keys), an array (List), or a scalar (Text, with Class for its type).
type node struct {
	Key      string
	List     bool
	Children []*node
	Text     string
	Class    string // str, num, bool, null
	Empty    string // "empty list", "empty object"
}

// maxDepth bounds how deep a notice is rendered as a tree; deeper values
// are shown as JSON text.
const maxDepth = 24

// parseTree decodes JSON keeping object key order; nil if it is not JSON.
func parseTree(b []byte) *node {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := decodeNode(dec, 0)
	if err != nil {
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil
	}
	return n
}

func decodeNode(dec *json.Decoder, depth int) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return nil, fmt.Errorf("nested deeper than %d", maxDepth)
		}
		n := &node{List: v == '['}
		for dec.More() {
			key := ""
			if !n.List {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ = kt.(string)
			}
			c, err := decodeNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			c.Key = key
			n.Children = append(n.Children, c)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if len(n.Children) == 0 {
			n.Empty = "empty object"
			if n.List {
				n.Empty = "empty list"
			}
		}
		return n, nil
	case string:
		if v == "" {
			return &node{Empty: "empty text"}, nil
		}
		return &node{Text: v, Class: "str"}, nil
	case json.Number:
		return &node{Text: v.String(), Class: "num"}, nil
	case bool:
		return &node{Text: strconv.FormatBool(v), Class: "bool"}, nil
	default:
		return &node{Text: "null", Class: "null"}, nil
	}
}

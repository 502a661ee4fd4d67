package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/consentry/consentry/sdk/consentlog"
)

func TestNotice(t *testing.T) {
	store := newFakeStore()
	odd := consentlog.NewNotice("1", "de", []byte(`not json <script>`))
	_ = store.Insert(t.Context(), []consentlog.Notice{odd}, nil)
	h := newTest(t, store)

	res, body := get(t, h, "GET", "/notices/"+testNotice.Hash)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"<dt>title</dt><dd><span class=\"jv str\">We use cookies</span>", // an object's key and text
		"Choose &lt;b&gt;what&lt;/b&gt; to allow.",                       // escaped, not markup
		"<ol class=\"jl\">", // an array
		"google-analytics.com",
		`<span class="jv bool">true</span>`,
		`<span class="jv num">2</span>`,
		testNotice.Hash,
		`href="../#decisions"`, // links climb out of notices/
	} {
		if !strings.Contains(body, want) {
			t.Errorf("notice page lacks %q", want)
		}
	}
	// Key order is kept: texts before categories before version.
	if i, j, k := strings.Index(body, "<dt>texts</dt>"), strings.Index(body, "<dt>categories</dt>"), strings.Index(body, "<dt>version</dt>"); !(i < j && j < k) {
		t.Errorf("keys out of order: %d %d %d", i, j, k)
	}

	for _, tc := range []struct{ target, accept string }{
		{"/notices/" + testNotice.Hash + "?format=json", ""},
		{"/notices/" + testNotice.Hash, "application/json"},
	} {
		res, body := get(t, h, "GET", tc.target, "Accept", tc.accept)
		var n consentlog.Notice
		if err := json.Unmarshal([]byte(body), &n); err != nil || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s (Accept %q): %v, type %q", tc.target, tc.accept, err, res.Header.Get("Content-Type"))
		}
		if n.Hash != testNotice.Hash || n.Language != "en" || n.PolicyVersion != "2026-11" || string(n.Content) != string(testNotice.Content) {
			t.Errorf("notice JSON = %s", body)
		}
		// The content is sent byte for byte, so its hash checks out.
		if sum := sha256.Sum256(n.Content); hex.EncodeToString(sum[:]) != n.Hash {
			t.Errorf("the content sent does not hash to %s", n.Hash)
		}
	}

	// Content that is not JSON is shown as stored, escaped, in HTML and
	// as a string in JSON.
	_, body = get(t, h, "GET", "/notices/"+odd.Hash)
	if !strings.Contains(body, "not json &lt;script&gt;") || strings.Contains(body, "<script>") {
		t.Errorf("non-JSON content not shown escaped")
	}
	_, body = get(t, h, "GET", "/notices/"+odd.Hash+"?format=json")
	if !strings.Contains(body, `"content":"not json \u003cscript\u003e"`) {
		t.Errorf("non-JSON content in JSON: %s", body)
	}

	missing := strings.Repeat("0", 64)
	if res, body := get(t, h, "GET", "/notices/"+missing); res.StatusCode != 404 || !strings.Contains(body, "no such notice") {
		t.Errorf("unknown hash: status %d, %q", res.StatusCode, body)
	}
}

func TestParseTreeDepth(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if parseTree([]byte(deep)) != nil {
		t.Error("a notice nested too deep was parsed as a tree")
	}
	if parseTree([]byte(`{"a":1} {"b":2}`)) != nil {
		t.Error("two JSON values parsed as one")
	}
	if n := parseTree([]byte(`{"a":[],"b":""}`)); n == nil || n.Children[0].Empty != "empty list" || n.Children[1].Empty != "empty text" {
		t.Errorf("empty values: %+v", n)
	}
}

package rewrite

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/js"
)

// checkScriptImports is the checker's own reading of what a live inline
// script loads where the guard cannot hold it: it parses the script with
// tdewolff/parse/v2/js (a real JavaScript parser, unlike the rewriter's
// scanner) and returns the first refused host among its static imports,
// re-exports, dynamic import() and importScripts() calls. A call with a
// computed argument makes any refused host the text names count. A script
// that does not parse does not run: nothing of it is live.
func checkScriptImports(p Policy, text string) string {
	ast, err := js.Parse(parse.NewInputString(text), js.Options{})
	if err != nil {
		return ""
	}
	v := &importVisitor{}
	js.Walk(v, ast)
	for _, spec := range v.specs {
		if !strings.HasPrefix(spec, "/") && !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") && !strings.Contains(spec, ":") {
			continue // a bare specifier
		}
		if h := checkRefusedURL(p, spec); h != "" {
			return h
		}
	}
	if v.computed {
		return checkText(p, text)
	}
	return ""
}

type importVisitor struct {
	specs    []string
	computed bool
}

func (v *importVisitor) Enter(n js.INode) js.IVisitor {
	switch n := n.(type) {
	case *js.ImportStmt:
		v.add(n.Module)
	case *js.ExportStmt:
		v.add(n.Module)
	case *js.CallExpr:
		callee := ""
		switch x := n.X.(type) {
		case *js.LiteralExpr:
			callee = string(x.Data)
		case *js.Var:
			callee = string(x.Data)
		case *js.DotExpr:
			if y, ok := x.Y.(*js.LiteralExpr); ok {
				callee = string(y.Data)
			}
		}
		if callee != "import" && callee != "importScripts" {
			break
		}
		for i, a := range n.Args.List {
			if callee == "import" && i > 0 {
				break
			}
			lit, ok := a.Value.(*js.LiteralExpr)
			if !ok || lit.TokenType != js.StringToken || a.Rest {
				if t, ok := a.Value.(*js.TemplateExpr); ok && len(t.List) == 0 && t.Tag == nil {
					v.add(t.Tail)
					continue
				}
				v.computed = true
				continue
			}
			v.add(lit.Data)
		}
	}
	return v
}

func (v *importVisitor) Exit(js.INode) {}

// add records a quoted module specifier, decoded.
func (v *importVisitor) add(q []byte) {
	if len(q) < 2 {
		return
	}
	s := string(q[1 : len(q)-1])
	if q[0] == '`' {
		s = string(q[1 : len(q)-1])
	}
	if u, err := strconv.Unquote(`"` + strings.ReplaceAll(strings.ReplaceAll(s, `\'`, `'`), `"`, `\"`) + `"`); err == nil {
		s = u
	}
	low := strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(low, "data:") || strings.HasPrefix(low, "blob:") {
		v.computed = true
		return
	}
	v.specs = append(v.specs, s)
}

// checkURLDocument is the checker's reading of a live import map or
// speculation rules: it decodes the JSON with encoding/json and returns
// the first value (never a key) that is a URL p refuses. JSON that does
// not decode is ignored by the browser: nothing of it is live.
func checkURLDocument(p Policy, text string) string {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return ""
	}
	var walk func(v any) string
	walk = func(v any) string {
		switch v := v.(type) {
		case string:
			return checkRefusedURL(p, v)
		case []any:
			for _, e := range v {
				if h := walk(e); h != "" {
					return h
				}
			}
		case map[string]any:
			for _, e := range v {
				if h := walk(e); h != "" {
					return h
				}
			}
		}
		return ""
	}
	return walk(v)
}

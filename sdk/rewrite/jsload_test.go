package rewrite

import (
	"slices"
	"testing"
)

// TestScriptLoads pins what the import scanner reads as a load the guard
// cannot hold, and what it leaves to the guard.
func TestScriptLoads(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
		computed bool
	}{
		{"side effect", `import "a.js"`, []string{"a.js"}, false},
		{"named", `import {a as b, c} from 'm.js'`, []string{"m.js"}, false},
		{"default and namespace", "import d, * as n\nfrom\t\"m.js\"", []string{"m.js"}, false},
		{"string export name", `import {"a-b" as c} from "m.js"`, []string{"m.js"}, false},
		{"re-export", `export * from "r.js"; export {x} from 'y.js'`, []string{"r.js", "y.js"}, false},
		{"export without from", `export const from = "no.js";`, nil, false},
		{"dynamic", `import("d.js").then(f)`, []string{"d.js"}, false},
		{"dynamic with options", `import('d.js', {with: {type: "json"}})`, []string{"d.js"}, false},
		{"dynamic with comment", `import(/* x */ "d.js" /* y */)`, []string{"d.js"}, false},
		{"template", "import(`t.js`)", []string{"t.js"}, false},
		{"template substitution", "import(`${base}/t.js`)", nil, true},
		{"variable", `import(u)`, nil, true},
		{"concatenation", `import("a" + b)`, []string{"a"}, true},
		{"importScripts list", `importScripts("a.js", 'b.js')`, []string{"a.js", "b.js"}, false},
		{"importScripts member", `self.importScripts(x)`, nil, true},
		{"escapes", `import "\x68\u0074\u{74}p\:\/\/h"`, []string{"http://h"}, false},
		{"line continuation", "import \"a\\\nb\"", []string{"ab"}, false},
		{"import.meta", `import.meta.url; x.import("no"); a.export`, nil, false},
		{"identifier parts", `reimport("no"); import_("no"); $import("no"); importer("no")`, nil, false},
		{"spread", `[...import("s.js")]`, []string{"s.js"}, false},
		{"optional chain", `a?.import("no")`, nil, false},
		{"in a string still counts", `x = 'import("s.js")'`, []string{"s.js"}, false},
		{"unterminated", `import("abc`, nil, true},
		{"empty", ``, nil, false},
		{"only keyword", `import`, nil, false},
	} {
		var got []string
		computed := scriptLoads([]byte(c.in), func(spec []byte) bool {
			got = append(got, string(spec))
			return true
		})
		if !slices.Equal(got, c.want) || computed != c.computed {
			t.Errorf("%s: scriptLoads(%q) = %q, %v; want %q, %v", c.name, c.in, got, computed, c.want, c.computed)
		}
	}
}

// FuzzScriptLoads: the scanner never panics and each specifier it reports
// is no longer than the script.
func FuzzScriptLoads(f *testing.F) {
	for _, s := range []string{`import "a"`, "import(`x`)", `export * from 'y'`, `importScripts("\u{110000}")`, `import "\u{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scriptLoads([]byte(s), func(spec []byte) bool {
			if len(spec) > 4*len(s) {
				t.Fatalf("specifier %q longer than its script %q", spec, s)
			}
			return true
		})
	})
}

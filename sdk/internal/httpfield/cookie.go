package httpfield

import (
	"iter"
	"strings"
)

// CookiePair is one name=value pair of a Cookie header.
type CookiePair struct {
	Name  string // trimmed of spaces and tabs
	Value string // as sent, with any surrounding double quotes
	Text  string // the whole pair, trimmed
	HasEq bool   // the pair had an '='
}

// Unquoted returns the value without surrounding double quotes, as
// http.Request.Cookie does.
func (p CookiePair) Unquoted() string {
	v := p.Value
	if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// Cookies yields the non-empty pairs of the Cookie header lines, in order,
// without building an http.Cookie for each. The iteration stops early when
// the loop breaks.
func Cookies(lines []string) iter.Seq[CookiePair] {
	return func(yield func(CookiePair) bool) {
		for _, line := range lines {
			for len(line) > 0 {
				var part string
				part, line, _ = strings.Cut(line, ";")
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				name, value, eq := strings.Cut(part, "=")
				if !yield(CookiePair{Name: strings.TrimSpace(name), Value: value, Text: part, HasEq: eq}) {
					return
				}
			}
		}
	}
}

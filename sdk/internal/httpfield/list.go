// Package httpfield reads HTTP field values the way the rest of the engine
// needs them: comma-separated lists, Cookie header pairs and host names,
// each in one place.
package httpfield

import "strings"

// SplitList splits a comma-separated field value (Cache-Control,
// If-None-Match, Link …) into its members: commas inside quoted strings
// (with backslash escapes) and inside <…> (a Link target) do not split.
// Members are trimmed of spaces and tabs; empty ones are dropped.
func SplitList(v string) []string {
	var out []string
	quoted, inURL, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '"' && !inURL:
			quoted = true
		case c == '<':
			inURL = true
		case c == '>':
			inURL = false
		case c == ',' && !inURL:
			out = appendMember(out, v[start:i])
			start = i + 1
		}
	}
	return appendMember(out, v[start:])
}

func appendMember(out []string, m string) []string {
	if m = strings.TrimSpace(m); m != "" {
		out = append(out, m)
	}
	return out
}

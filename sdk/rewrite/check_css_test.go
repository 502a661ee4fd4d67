package rewrite

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// checkCSSEscape matches a CSS escape: hex digits and one optional
// whitespace, an escaped newline, or any other escaped character.
var checkCSSEscape = regexp.MustCompile(`\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\r\n\f])?|(\r\n|[\n\r\f])|(.)|$)`)

// checkUnescape is the checker's own decoding of CSS escapes.
func checkUnescape(s string) string {
	return checkCSSEscape.ReplaceAllStringFunc(s, func(m string) string {
		sub := checkCSSEscape.FindStringSubmatch(m)
		switch {
		case sub[1] != "":
			n, _ := strconv.ParseUint(sub[1], 16, 32)
			r := rune(n)
			if r == 0 || r > utf8.MaxRune || 0xD800 <= r && r <= 0xDFFF {
				r = utf8.RuneError
			}
			return string(r)
		case sub[2] != "":
			return ""
		}
		return sub[3]
	})
}

// checkCSS is the checker's own reading of CSS text: it returns a URL that
// loads from a host p refuses, or "". Every url() (and bad url) counts, a
// function whose decoded name is url, a string after @import and a string
// whose innermost function is image-set, -webkit-image-set, image or src.
// With importsOnly, only @import URLs count (a style that is not applied).
func checkCSS(p Policy, text string, importsOnly bool) string {
	in := parse.NewInputString(text)
	l := css.NewLexer(in)
	var fns []string // innermost last; "" for a plain block
	afterImport := false
	refused := func(u string) bool { return p.RefusedHost(checkURLHost(u)) != "" }
	for {
		tt, data := l.Next()
		if tt == css.ErrorToken {
			return ""
		}
		tok := string(data)
		switch tt {
		case css.WhitespaceToken, css.CommentToken:
			continue
		case css.AtKeywordToken:
			afterImport = strings.EqualFold(checkUnescape(tok[1:]), "import")
			continue
		case css.URLToken, css.BadURLToken:
			v := tok[strings.IndexByte(tok, '(')+1:]
			v = strings.TrimSuffix(v, ")")
			v = strings.Trim(v, " \t\n\r\f")
			if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
				v = strings.TrimSuffix(v[1:], v[:1])
			}
			if (!importsOnly || afterImport) && refused(checkUnescape(v)) {
				return tok
			}
		case css.FunctionToken:
			name := strings.ToLower(checkUnescape(strings.TrimSuffix(tok, "(")))
			if name == "url" {
				// The rest up to ')' is the URL, quoted or not.
				rest := text[in.Offset():]
				end := strings.IndexByte(rest, ')')
				if end < 0 {
					end = len(rest)
				}
				v := strings.Trim(rest[:end], " \t\n\r\f\"'")
				if (!importsOnly || afterImport) && refused(checkUnescape(v)) {
					return tok + rest[:end]
				}
			}
			fns = append(fns, name)
		case css.LeftParenthesisToken, css.LeftBracketToken, css.LeftBraceToken:
			fns = append(fns, "")
		case css.RightParenthesisToken, css.RightBracketToken, css.RightBraceToken:
			if len(fns) > 0 {
				fns = fns[:len(fns)-1]
			}
		case css.StringToken, css.BadStringToken:
			inSet := false
			if len(fns) > 0 {
				switch fns[len(fns)-1] {
				case "image-set", "-webkit-image-set", "image", "src":
					inSet = true
				}
			}
			v := strings.TrimSuffix(tok[1:], tok[:1])
			if (afterImport || inSet && !importsOnly) && refused(checkUnescape(v)) {
				return tok
			}
		}
		afterImport = false
	}
}

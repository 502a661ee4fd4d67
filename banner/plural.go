package banner

import (
	"strconv"
	"strings"
)

// The CLDR plural categories (https://cldr.unicode.org, "Language Plural
// Rules"), as plural messages name them.
const (
	pluralZero  = "zero"
	pluralOne   = "one"
	pluralTwo   = "two"
	pluralFew   = "few"
	pluralMany  = "many"
	pluralOther = "other"
)

// PluralCategory returns the CLDR plural category of the whole number n in
// the language of tag: "one" for 1 in English, "few" for 3 in Polish,
// "two" for 2 in Hebrew, and so on. Only the rules for whole numbers are
// kept (a lifetime is a whole number of units); a language without rules
// here takes the English rule.
func PluralCategory(tag string, n int) string {
	if n < 0 {
		n = -n
	}
	lang := tag
	if b, ok := Bundled(tag); ok {
		lang = b
	}
	lang = strings.ToLower(lang)
	primary, _, _ := strings.Cut(lang, "-")
	m10, m100 := n%10, n%100
	teen := m100 >= 11 && m100 <= 19
	switch primary {
	case "ja", "ko", "zh", "th", "vi", "id", "ms", "yue":
		return pluralOther
	case "fr":
		if n <= 1 {
			return pluralOne
		}
	case "pt":
		if n == 1 || (n == 0 && lang == "pt-br") {
			return pluralOne
		}
	case "is":
		if m10 == 1 && m100 != 11 {
			return pluralOne
		}
	case "lv":
		switch {
		case m10 == 0 || teen:
			return pluralZero
		case m10 == 1:
			return pluralOne
		}
	case "lt":
		switch {
		case teen:
		case m10 == 1:
			return pluralOne
		case m10 >= 2:
			return pluralFew
		}
	case "pl":
		switch {
		case n == 1:
			return pluralOne
		case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
			return pluralFew
		default:
			return pluralMany
		}
	case "cs", "sk":
		switch {
		case n == 1:
			return pluralOne
		case n >= 2 && n <= 4:
			return pluralFew
		}
	case "sl":
		switch m100 {
		case 1:
			return pluralOne
		case 2:
			return pluralTwo
		case 3, 4:
			return pluralFew
		}
	case "hr", "bs", "sr":
		switch {
		case m10 == 1 && m100 != 11:
			return pluralOne
		case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
			return pluralFew
		}
	case "ro":
		switch {
		case n == 1:
			return pluralOne
		case n == 0 || (m100 >= 2 && m100 <= 19):
			return pluralFew
		}
	case "ga":
		switch {
		case n == 1:
			return pluralOne
		case n == 2:
			return pluralTwo
		case n >= 3 && n <= 6:
			return pluralFew
		case n >= 7 && n <= 10:
			return pluralMany
		}
	case "mt":
		switch {
		case n == 1:
			return pluralOne
		case n == 2:
			return pluralTwo
		case n == 0 || (m100 >= 3 && m100 <= 10):
			return pluralFew
		case teen:
			return pluralMany
		}
	case "ar":
		switch {
		case n == 0:
			return pluralZero
		case n == 1:
			return pluralOne
		case n == 2:
			return pluralTwo
		case m100 >= 3 && m100 <= 10:
			return pluralFew
		case m100 >= 11:
			return pluralMany
		}
	case "he", "iw":
		switch n {
		case 1:
			return pluralOne
		case 2:
			return pluralTwo
		}
	default:
		if n == 1 {
			return pluralOne
		}
	}
	return pluralOther
}

// Plural formats a plural message for the whole number n in the language
// of tag. A message is the plural argument of ICU MessageFormat, with the
// count named n: "{n, plural, one {# year} other {# years}}", where "#"
// stands for n; the branch for n's category (PluralCategory) is taken, else
// "other". Plural reports false for a message that is not of this form.
func Plural(tag, message string, n int) (string, bool) {
	branches, ok := parsePlural(message)
	if !ok {
		return "", false
	}
	text, ok := branches[PluralCategory(tag, n)]
	if !ok {
		text = branches[pluralOther]
	}
	return strings.ReplaceAll(text, "#", strconv.Itoa(n)), true
}

// parsePlural splits a plural message into its branches by category, or
// reports false. Branch texts hold no braces; "other" is required.
func parsePlural(message string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(message), "{")
	if !ok {
		return nil, false
	}
	arg, rest, ok := strings.Cut(rest, ",")
	if !ok || strings.TrimSpace(arg) != "n" {
		return nil, false
	}
	kind, rest, ok := strings.Cut(rest, ",")
	if !ok || strings.TrimSpace(kind) != "plural" {
		return nil, false
	}
	rest, ok = strings.CutSuffix(strings.TrimSpace(rest), "}")
	if !ok {
		return nil, false
	}
	branches := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		cat, after, ok := strings.Cut(rest, "{")
		cat = strings.TrimSpace(cat)
		if !ok || !validCategory(cat) {
			return nil, false
		}
		if _, dup := branches[cat]; dup {
			return nil, false
		}
		text, after, ok := strings.Cut(after, "}")
		if !ok || strings.Contains(text, "{") {
			return nil, false
		}
		branches[cat] = text
		rest = after
	}
	if _, ok := branches[pluralOther]; !ok {
		return nil, false
	}
	return branches, true
}

func validCategory(c string) bool {
	switch c {
	case pluralZero, pluralOne, pluralTwo, pluralFew, pluralMany, pluralOther:
		return true
	}
	return false
}

package sdk

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/consentry/consentry/banner"
)

// The checks New runs on options that used to load and quietly do
// something else than the operator meant (issue 12): a misspelt category
// key made a new, unlabelled category; a misspelt text key was ignored; a
// script URL became the privacy link. They are exported so that a
// configuration front end (the Caddy module's Caddyfile parser) can run
// the same rules when it reads each value, and name the line.

// OptionError is the error New returns for an option value it could only
// check by using it (GeoIPDB: opening the database), naming the Options
// field, so that a configuration front end can point at where the value
// was written.
type OptionError struct {
	Option string // the Options field, e.g. "GeoIPDB"
	Err    error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// CheckURL reports a link target the banner cannot use: anything but an
// http or https URL with a host, or a relative reference (a path such as
// /privacy, privacy.html or //corp.example/privacy). A javascript:, data:
// or vbscript: URL would run script when a visitor follows the link.
func CheckURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || u != strings.TrimSpace(u) {
		return errors.New("not a URL; want an http or https URL or a path such as /privacy")
	}
	if p.Scheme == "" {
		return nil
	}
	if s := strings.ToLower(p.Scheme); (s != "http" && s != "https") || p.Host == "" {
		return fmt.Errorf("a %s: URL; want an http or https URL or a path such as /privacy", strings.ToLower(p.Scheme))
	}
	return nil
}

// CheckCategory reports whether New would refuse the category cs[i]: a
// key that is not 1-32 lowercase letters, digits, '-' or '_', or a new
// category (not one of DefaultCategories) that no entry of cs gives a
// label. A new category without a label is usually a misspelt default
// ("analytcs"): the error then names the near miss.
func CheckCategory(cs []Category, i int) error {
	key := normalKey(cs[i].Key)
	if !categoryKeyRE.MatchString(key) {
		return fmt.Errorf("category %q: key must be 1-32 lowercase letters, digits, '-' or '_'", cs[i].Key)
	}
	known := defaultKeys()
	if slices.Contains(known, key) {
		return nil
	}
	for _, c := range cs {
		if k := normalKey(c.Key); k == key && c.Label != "" {
			return nil
		}
		if k := normalKey(c.Key); c.Label != "" && !slices.Contains(known, k) {
			known = append(known, k)
		}
	}
	if near := nearMiss(key, known); near != "" {
		return fmt.Errorf("category %q: no such category; did you mean %q? (a new category needs a label)", cs[i].Key, near)
	}
	return fmt.Errorf("category %q: a new category needs a label, the name visitors see", cs[i].Key)
}

// CheckCategoryKey reports a key that names no category: neither a
// default one nor one of cs. The error names the near miss, if any.
func CheckCategoryKey(key string, cs []Category) error {
	keys := defaultKeys()
	for _, c := range cs {
		if k := normalKey(c.Key); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if slices.Contains(keys, key) {
		return nil
	}
	return fmt.Errorf("unknown category%s (categories: %s)", didYouMean(key, keys), strings.Join(keys, ", "))
}

// regimeTextKey reports whether key is a per-regime variant of a
// first-layer text, which the banner prefers for visitors of that regime:
// "title.<regime>" or "body.<regime>" (e.g. "body.notice").
func regimeTextKey(key string) bool {
	base, r, ok := strings.Cut(key, ".")
	return ok && (base == "title" || base == "body") && Regime(r).Valid()
}

// CheckTextKey reports a banner text key that nothing reads: the keys are
// those of the bundled texts, plus cat.<key>.label and
// cat.<key>.description for every category, default or one of cs, and
// title.<regime> and body.<regime> for every regime. The error names the
// near miss and lists the keys.
func CheckTextKey(key string, cs []Category) error {
	keys := bundledTextKeys()
	if slices.Contains(keys, key) || regimeTextKey(key) {
		return nil
	}
	var cats []string
	for _, k := range defaultKeys() {
		cats = append(cats, "cat."+k+".label", "cat."+k+".description")
	}
	for _, c := range cs {
		k := normalKey(c.Key)
		cats = append(cats, "cat."+k+".label", "cat."+k+".description")
	}
	if slices.Contains(cats, key) {
		return nil
	}
	var plain []string
	for _, k := range keys {
		if !strings.HasPrefix(k, "cat.") {
			plain = append(plain, k)
		}
	}
	return fmt.Errorf("unknown text key%s (keys: %s, and cat.<category>.label, cat.<category>.description)",
		didYouMean(key, append(slices.Clone(keys), cats...)), strings.Join(plain, ", "))
}

// checkTexts runs CheckTextKey on every text of o, and refuses a language
// that has no bundled texts (the Texts key "" applies to every language).
// Keys are checked in sorted order, so the first error is always the same.
func checkTexts(o Options) error {
	bundled := banner.Languages()
	for _, lang := range slices.Sorted(maps.Keys(o.Texts)) {
		if _, ok := banner.Bundled(lang); lang != "" && !ok {
			return fmt.Errorf("texts: language %q: not bundled (bundled: %s)", lang, strings.Join(bundled, " "))
		}
		for _, key := range slices.Sorted(maps.Keys(o.Texts[lang])) {
			if err := CheckTextKey(key, o.Categories); err != nil {
				if lang == "" {
					return fmt.Errorf("texts for every language %q: %w", key, err)
				}
				return fmt.Errorf("texts %s %q: %w", lang, key, err)
			}
		}
	}
	return nil
}

// bundledTextKeys are the keys of the bundled texts, sorted.
var bundledTextKeys = sync.OnceValue(func() []string {
	return slices.Sorted(maps.Keys(banner.Texts(banner.DefaultLanguage)))
})

// defaultKeys returns the keys of DefaultCategories, in display order.
func defaultKeys() []string {
	var keys []string
	for _, c := range DefaultCategories() {
		keys = append(keys, c.Key)
	}
	return keys
}

// normalKey is a configured category key as New stores it.
func normalKey(k string) string { return strings.ToLower(strings.TrimSpace(k)) }

// didYouMean is ` (did you mean "x"?)` for the near miss of s among
// candidates, or "".
func didYouMean(s string, candidates []string) string {
	if near := nearMiss(s, candidates); near != "" {
		return fmt.Sprintf("; did you mean %q?", near)
	}
	return ""
}

// nearMiss returns the candidate closest to s, at an edit distance of 1
// or 2 (a letter left out, added, changed or two swapped), or "". On a tie
// the first candidate wins.
func nearMiss(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

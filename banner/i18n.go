package banner

import (
	"embed"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DefaultLanguage is the reference language: every other bundle falls back
// to it key by key.
const DefaultLanguage = "en"

//go:embed i18n/*.json
var i18nFS embed.FS

var (
	bundleOnce sync.Once
	bundles    map[string]map[string]string
	bundleKeys map[string]string // lowercased bundle tag → bundle tag ("zh-hant" → "zh-Hant")
	bundleErr  error
)

// loadBundles parses every embedded i18n/<lang>.json once.
func loadBundles() (map[string]map[string]string, error) {
	bundleOnce.Do(func() {
		bundles = map[string]map[string]string{}
		bundleKeys = map[string]string{}
		files, err := i18nFS.ReadDir("i18n")
		if err != nil {
			bundleErr = err
			return
		}
		for _, f := range files {
			lang := strings.TrimSuffix(f.Name(), ".json")
			b, err := i18nFS.ReadFile(path.Join("i18n", f.Name()))
			if err != nil {
				bundleErr = err
				return
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				bundleErr = fmt.Errorf("banner: i18n/%s: %w", f.Name(), err)
				return
			}
			bundles[lang] = m
			bundleKeys[strings.ToLower(lang)] = lang
		}
	})
	return bundles, bundleErr
}

func mustBundles() map[string]map[string]string {
	b, err := loadBundles()
	if err != nil {
		panic(err) // embedded files; i18n_test.go proves they parse
	}
	return b
}

// Languages lists the bundled language tags, DefaultLanguage first and the
// rest in alphabetical order.
func Languages() []string {
	b := mustBundles()
	out := []string{DefaultLanguage}
	rest := slices.Sorted(maps.Keys(b))
	for _, l := range rest {
		if l != DefaultLanguage {
			out = append(out, l)
		}
	}
	return out
}

// Texts returns a copy of the bundled texts for lang, with every key the
// English bundle has: keys the language lacks are English. A tag resolves
// to a bundle as Bundled describes; a tag that names no bundle gives
// English.
func Texts(lang string) map[string]string {
	b := mustBundles()
	out := maps.Clone(b[DefaultLanguage])
	if tag, ok := Bundled(lang); ok {
		maps.Copy(out, b[tag])
	}
	return out
}

// Bundled returns the bundle that serves a language tag, spelled as
// Languages spells it, and whether there is one. The tag matches a bundle
// case-insensitively ("_" or "-" between subtags), else after dropping
// subtags from the end ("de-AT" → "de"), where each step may also go
// through an alias: Chinese by script, or by region when the script is not
// given ("zh", "zh-CN", "zh-SG", "zh-MY" → "zh-Hans"; "zh-TW", "zh-HK",
// "zh-MO" → "zh-Hant"; Cantonese "yue" → "zh-Hant"); Norwegian "no" and
// Nynorsk "nn" → Bokmål "nb"; the retired codes "iw" → "he", "in" → "id".
// European and Brazilian Portuguese are separate bundles: "pt-BR" is
// Brazilian, "pt" and every other "pt-*" European.
func Bundled(tag string) (string, bool) {
	mustBundles()
	for cand := range candidates(tag) {
		if key, ok := bundleKeys[cand]; ok {
			return key, true
		}
	}
	return "", false
}

// bundleAliases maps lowercased tags no bundle is named after to the
// (lowercased) bundle that serves them; see Bundled.
var bundleAliases = map[string]string{
	"zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-my": "zh-hans",
	"zh-tw": "zh-hant", "zh-hk": "zh-hant", "zh-mo": "zh-hant", "yue": "zh-hant",
	"no": "nb", "nn": "nb", "iw": "he", "in": "id",
}

// candidates yields the lowercased tags a requested tag may be served by,
// best first: each truncation of the tag, each followed by its alias.
func candidates(tag string) iter.Seq[string] {
	tag = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(tag)), "_", "-")
	return func(yield func(string) bool) {
		for t := range truncations(tag) {
			if !yield(t) {
				return
			}
			if a, ok := bundleAliases[t]; ok && !yield(a) {
				return
			}
		}
	}
}

// rtlLanguages are the primary language subtags written right to left.
var rtlLanguages = map[string]bool{"ar": true, "he": true, "iw": true, "fa": true, "ur": true, "ps": true, "yi": true, "dv": true, "ckb": true, "syr": true}

// Direction returns "rtl" for a tag whose language is written right to left
// (Arabic, Hebrew, and Persian, Urdu, … should they be bundled), else "ltr":
// the value for the dir attribute of anything shown in that language.
func Direction(lang string) string {
	primary, _, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(lang)), "_", "-"), "-")
	if rtlLanguages[primary] {
		return "rtl"
	}
	return "ltr"
}

// truncations yields tag and then tag without its last subtag, and so on
// ("zh-hant-tw", "zh-hant", "zh"); "-" and "_" both separate subtags.
func truncations(tag string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for tag != "" && yield(tag) {
			i := strings.LastIndexAny(tag, "-_")
			if i < 0 {
				return
			}
			tag = tag[:i]
		}
	}
}

// Negotiate picks the best tag of offered for an Accept-Language header
// value, or fallback when none matches. An empty offered means the bundled
// languages. Preferences are taken in q-value order (q=0 excludes a tag);
// a requested tag matches an offered tag exactly, or after dropping its
// subtags ("de-CH" → "de"), each step also through the aliases Bundled
// describes ("zh-TW" → "zh-Hant", "zh" → "zh-Hans", "no" → "nb"), or last
// by primary language ("pt" → "pt-BR" when only that is offered, "zh-TW"
// → "zh-Hans" when only that is). The offered tag is returned as spelled
// in offered.
func Negotiate(acceptLanguage string, offered []string, fallback string) string {
	if len(offered) == 0 {
		offered = Languages()
	}
	for _, want := range parseAcceptLanguage(acceptLanguage) {
		if want == "*" {
			continue
		}
		if got, ok := match(want, offered); ok {
			return got
		}
	}
	return fallback
}

// match finds want in offered: exact, then by truncation and alias, then
// by primary subtag.
func match(want string, offered []string) (string, bool) {
	for tag := range candidates(want) {
		for _, o := range offered {
			if strings.EqualFold(strings.ReplaceAll(o, "_", "-"), tag) {
				return o, true
			}
		}
	}
	primary, _, _ := strings.Cut(strings.ReplaceAll(want, "_", "-"), "-")
	if a, ok := bundleAliases[primary]; ok {
		primary, _, _ = strings.Cut(a, "-") // "no" → "nb", "iw" → "he", "yue" → "zh"
	}
	for _, o := range offered {
		p, _, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(o), "_", "-"), "-")
		if p == primary {
			return o, true
		}
	}
	return "", false
}

// parseAcceptLanguage returns the lowercased language ranges of an
// Accept-Language value, highest q first (ties keep header order), without
// those with q=0 or a malformed q.
func parseAcceptLanguage(header string) []string {
	type entry struct {
		tag string
		q   float64
	}
	var entries []entry
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, found := strings.Cut(strings.TrimSpace(p), "=")
			if !found || !strings.EqualFold(strings.TrimSpace(k), "q") {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				f = 0
			}
			q = f
		}
		if q > 0 {
			entries = append(entries, entry{tag, q})
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].q > entries[j].q })
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.tag
	}
	return out
}

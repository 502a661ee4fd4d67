package sdk

import (
	"fmt"
	"regexp"
	"strings"
)

// The five default category keys.
const (
	Necessary   = "necessary"
	Preferences = "preferences"
	Analytics   = "analytics"
	Advertising = "advertising"
	Social      = "social"
)

// Category is a purpose a visitor can grant or refuse, with the hosts, inline
// script patterns and cookie names that belong to it.
type Category struct {
	// Key is the stable identifier, e.g. "analytics". Lowercase letters,
	// digits, '-' and '_'.
	Key string `json:"key"`
	// Label is the name shown in the banner. Default: the bundled
	// translation for the default keys, else the key.
	Label string `json:"label,omitempty"`
	// Description is the longer text shown in the preference centre.
	// Default: the bundled translation for the default keys.
	Description string `json:"description,omitempty"`
	// Hosts are script, iframe and pixel origins (subdomains included),
	// e.g. "google-analytics.com".
	Hosts []string `json:"hosts,omitempty"`
	// Patterns are substrings that mark an inline script as belonging to
	// the category, e.g. "gtag(".
	Patterns []string `json:"patterns,omitempty"`
	// Cookies are cookie names, exact or with a trailing '*' wildcard,
	// e.g. "_ga_*".
	Cookies []string `json:"cookies,omitempty"`
	// Paths are first-party path prefixes that serve the category's tags
	// from the site's own hosts (a tag gateway, a server-side tag
	// manager), e.g. "/metrics/". Each must start with '/'; it is
	// compared with the path a URL resolves to, normalised as the browser
	// sends it (rewrite.NormalisePath), case kept. Such URLs are treated
	// like URLs on the category's hosts: neutralised in pages, held by the
	// guard, recorded by the inventory, and refused by the handler itself
	// while the visitor has not granted the category (see Options).
	Paths []string `json:"paths,omitempty"`
}

// DefaultCategories returns the five default categories in display order,
// without catalogue entries (those come from the built-in catalogue).
func DefaultCategories() []Category {
	return []Category{
		{Key: Necessary},
		{Key: Preferences},
		{Key: Analytics},
		{Key: Advertising},
		{Key: Social},
	}
}

var categoryKeyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// mergeCategories returns the default categories, with each configured
// category either extending the default of the same key (hosts, patterns and
// cookies appended; label and description replaced when set) or appended as
// a new category.
func mergeCategories(configured []Category) ([]Category, error) {
	out := DefaultCategories()
	index := make(map[string]int, len(out))
	for i, c := range out {
		index[c.Key] = i
	}
	for _, c := range configured {
		c.Key = strings.ToLower(strings.TrimSpace(c.Key))
		if !categoryKeyRE.MatchString(c.Key) {
			return nil, fmt.Errorf("category %q: key must be 1-32 lowercase letters, digits, '-' or '_'", c.Key)
		}
		for _, p := range c.Paths {
			if err := CheckPath(p); err != nil {
				return nil, fmt.Errorf("category %q: %w", c.Key, err)
			}
		}
		if c.Key == Necessary && len(c.Paths) > 0 {
			return nil, fmt.Errorf("category %q: paths: the necessary category is never refused, so it names no tag paths", c.Key)
		}
		i, ok := index[c.Key]
		if !ok {
			index[c.Key] = len(out)
			out = append(out, c)
			continue
		}
		dst := &out[i]
		if c.Label != "" {
			dst.Label = c.Label
		}
		if c.Description != "" {
			dst.Description = c.Description
		}
		dst.Hosts = append(dst.Hosts, c.Hosts...)
		dst.Patterns = append(dst.Patterns, c.Patterns...)
		dst.Cookies = append(dst.Cookies, c.Cookies...)
		dst.Paths = append(dst.Paths, c.Paths...)
	}
	return out, nil
}

// categoryText returns the label and description of c as a visitor whose
// language's texts are texts reads them: the configured ones, else the
// translations of a built-in category, else (for the label) its key.
func categoryText(c Category, texts map[string]string) (label, description string) {
	label, description = c.Label, c.Description
	if label == "" {
		label = texts["cat."+c.Key+".label"]
	}
	if label == "" {
		label = c.Key
	}
	if description == "" {
		description = texts["cat."+c.Key+".description"]
	}
	return label, description
}

// CheckPath reports a first-party path prefix that cannot name tags: one
// that does not start with '/', or holds white space, a '?' or a '#'
// (prefixes are compared with paths, never queries).
func CheckPath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q: must start with '/'", p)
	case p == "/":
		return fmt.Errorf("path %q: would claim every path of the site", p)
	case strings.ContainsAny(p, "?# \t\n\r\f"):
		return fmt.Errorf("path %q: a path prefix holds no query, fragment or white space", p)
	}
	return nil
}

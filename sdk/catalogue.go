package sdk

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Vendor is one entry of the built-in catalogue: a third party with the
// hosts, inline-script patterns and cookie names that belong to it.
type Vendor struct {
	Vendor   string   `json:"vendor"`
	Category string   `json:"category"`
	Hosts    []string `json:"hosts"`
	Patterns []string `json:"patterns"`
	Cookies  []string `json:"cookies"`
}

//go:embed catalogue.json
var catalogueJSON []byte

// BuiltinCatalogue returns the built-in vendor catalogue.
func BuiltinCatalogue() []Vendor {
	var vs []Vendor
	if err := json.Unmarshal(catalogueJSON, &vs); err != nil {
		panic("sdk: built-in catalogue.json is invalid: " + err.Error())
	}
	return vs
}

// withCatalogue adds the vendors' hosts, patterns and cookies to the
// categories of the same key. A vendor whose category is not configured is
// an error: the operator removed a category the catalogue still needs.
func withCatalogue(cats []Category, vendors []Vendor) ([]Category, error) {
	index := make(map[string]int, len(cats))
	for i, c := range cats {
		index[c.Key] = i
	}
	for _, v := range vendors {
		i, ok := index[v.Category]
		if !ok {
			return nil, fmt.Errorf("catalogue vendor %q: unknown category %q", v.Vendor, v.Category)
		}
		c := &cats[i]
		c.Hosts = append(c.Hosts, v.Hosts...)
		c.Patterns = append(c.Patterns, v.Patterns...)
		c.Cookies = append(c.Cookies, v.Cookies...)
	}
	return cats, nil
}

// normaliseHost lowercases a configured host and strips a scheme, path,
// port and leading "*." or ".", so "https://WWW.Example.com:443/x" and
// "*.example.com" both become their bare host.
func normaliseHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	h = strings.TrimPrefix(h, "//")
	if i := strings.IndexAny(h, "/?#"); i >= 0 {
		h = h[:i]
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.TrimPrefix(h, "*.")
	return strings.Trim(h, ".")
}

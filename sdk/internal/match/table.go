package match

import (
	"slices"
	"strings"

	"github.com/consentry/consentry/sdk/internal/httpfield"
)

// Hosts maps host names to values; a host also matches its subdomains.
// The first value added for a host wins.
type Hosts[V any] struct {
	m map[string]V
}

// Add maps the configured host h (normalised with httpfield.ConfigHost, so
// "https://WWW.Example.com/x" and "*.example.com" are bare hosts) to v,
// unless h is empty or already mapped.
func (t *Hosts[V]) Add(h string, v V) {
	if h = httpfield.ConfigHost(h); h == "" {
		return
	}
	if t.m == nil {
		t.m = make(map[string]V)
	}
	if _, dup := t.m[h]; !dup {
		t.m[h] = v
	}
}

// Lookup returns the value of host or of its closest mapped parent domain
// ("www.google-analytics.com" finds "google-analytics.com"). host must be
// lowercase and without port or trailing dot.
func (t *Hosts[V]) Lookup(host string) (V, bool) {
	for host != "" && len(t.m) > 0 {
		if v, ok := t.m[host]; ok {
			return v, true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			break
		}
		host = host[i+1:]
	}
	var zero V
	return zero, false
}

// Len returns the number of hosts mapped.
func (t *Hosts[V]) Len() int { return len(t.m) }

// Names maps cookie names to values. A name ending in '*' is a prefix
// pattern for a family of names ("_ga_*").
//
// The precedence is the one every cookie lookup in Consentry uses: an exact
// name wins, then the longest matching prefix, then, on a tie, the entry
// added first.
type Names[V any] struct {
	exact    map[string]V
	prefixes []prefix[V] // longest first, in order of addition on a tie
}

type prefix[V any] struct {
	text string
	v    V
}

// Add maps name (or, ending in '*', the names with its prefix) to v,
// unless name is empty or already mapped.
func (t *Names[V]) Add(name string, v V) {
	if p, ok := strings.CutSuffix(name, "*"); ok {
		if slices.ContainsFunc(t.prefixes, func(e prefix[V]) bool { return e.text == p }) {
			return
		}
		// Insert after every prefix at least as long: longest first, and
		// stable on ties.
		i := len(t.prefixes)
		for i > 0 && len(t.prefixes[i-1].text) < len(p) {
			i--
		}
		t.prefixes = slices.Insert(t.prefixes, i, prefix[V]{p, v})
		return
	}
	if name == "" {
		return
	}
	if t.exact == nil {
		t.exact = make(map[string]V)
	}
	if _, dup := t.exact[name]; !dup {
		t.exact[name] = v
	}
}

// Lookup returns the value that name matches, by the precedence above.
func (t *Names[V]) Lookup(name string) (V, bool) {
	if v, ok := t.exact[name]; ok {
		return v, true
	}
	for _, p := range t.prefixes {
		if strings.HasPrefix(name, p.text) {
			return p.v, true
		}
	}
	var zero V
	return zero, false
}

// Len returns the number of names and prefixes mapped.
func (t *Names[V]) Len() int { return len(t.exact) + len(t.prefixes) }

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
	exact map[string]V
	// Prefixes of two bytes or more, by their first two bytes; a lookup
	// tries, longest first, only the lengths that bucket holds: a few map
	// lookups however many prefixes there are.
	byHead map[[2]byte]*prefixBucket[V]
	short  []prefix[V] // prefixes of zero or one byte, longest first
	nPre   int
}

// prefixBucket holds the prefixes that share their first two bytes: up to
// scanMax in list, scanned; beyond, by length in m.
type prefixBucket[V any] struct {
	list []prefix[V]  // longest first
	lens []int        // the distinct lengths, longest first
	m    map[string]V // prefix → value
}

// scanMax is the most prefixes of one bucket a lookup scans; more are
// looked up by length.
const scanMax = 8

type prefix[V any] struct {
	text string
	v    V
}

// Add maps name (or, ending in '*', the names with its prefix) to v,
// unless name is empty or already mapped.
func (t *Names[V]) Add(name string, v V) {
	if p, ok := strings.CutSuffix(name, "*"); ok {
		t.addPrefix(p, v)
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

func (t *Names[V]) addPrefix(p string, v V) {
	if len(p) < 2 {
		if slices.ContainsFunc(t.short, func(o prefix[V]) bool { return o.text == p }) {
			return
		}
		i := len(t.short) // after every prefix at least as long
		for i > 0 && len(t.short[i-1].text) < len(p) {
			i--
		}
		t.short = slices.Insert(t.short, i, prefix[V]{p, v})
		t.nPre++
		return
	}
	if t.byHead == nil {
		t.byHead = make(map[[2]byte]*prefixBucket[V])
	}
	k := [2]byte{p[0], p[1]}
	b := t.byHead[k]
	if b == nil {
		b = &prefixBucket[V]{m: make(map[string]V)}
		t.byHead[k] = b
	}
	if _, dup := b.m[p]; dup {
		return
	}
	b.m[p] = v
	t.nPre++
	i := len(b.list) // after every prefix at least as long
	for i > 0 && len(b.list[i-1].text) < len(p) {
		i--
	}
	b.list = slices.Insert(b.list, i, prefix[V]{p, v})
	if i, found := slices.BinarySearchFunc(b.lens, len(p), func(a, n int) int { return n - a }); !found {
		b.lens = slices.Insert(b.lens, i, len(p))
	}
}

// Lookup returns the value that name matches, by the precedence above.
func (t *Names[V]) Lookup(name string) (V, bool) {
	if v, ok := t.exact[name]; ok {
		return v, true
	}
	if len(name) >= 2 && t.byHead != nil {
		if b := t.byHead[[2]byte{name[0], name[1]}]; b != nil && len(b.list) <= scanMax {
			for _, p := range b.list {
				if strings.HasPrefix(name, p.text) {
					return p.v, true
				}
			}
		} else if b != nil {
			for _, l := range b.lens {
				if l <= len(name) {
					if v, ok := b.m[name[:l]]; ok {
						return v, true
					}
				}
			}
		}
	}
	for _, p := range t.short {
		if strings.HasPrefix(name, p.text) {
			return p.v, true
		}
	}
	var zero V
	return zero, false
}

// Len returns the number of names and prefixes mapped.
func (t *Names[V]) Len() int { return len(t.exact) + t.nPre }

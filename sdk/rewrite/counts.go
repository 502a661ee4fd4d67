package rewrite

// Count is how many things (tags, cookies) of one category were acted on.
type Count struct {
	Key string // the category key
	N   int
}

// Counts is a small tally of Count per category key, in first-seen order.
// A page or a request touches few categories, so a slice beats a map; a
// fixed array as its backing store keeps it off the heap.
type Counts []Count

// Add adds one to key's count and returns the tally.
func (c Counts) Add(key string) Counts {
	for i := range c {
		if c[i].Key == key {
			c[i].N++
			return c
		}
	}
	return append(c, Count{key, 1})
}

// Map returns the tally as a new map.
func (c Counts) Map() map[string]int {
	m := make(map[string]int, len(c))
	for _, k := range c {
		m[k.Key] = k.N
	}
	return m
}

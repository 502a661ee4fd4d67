package match

// multiMatcher finds which of a set of literal patterns occur in a text in
// one pass (Aho-Corasick), so classifying an inline script costs one scan
// whatever the size of the catalogue. Bytes that occur in no pattern share
// one class, which keeps the transition table small.
type multiMatcher struct {
	class   [256]uint8 // byte → alphabet class; 0 = in no pattern
	classes int
	next    []int32  // state*classes + class → state
	out     []uint64 // state → bitmask of the pattern groups matched there
}

// newMultiMatcher builds a matcher over patterns; group[i] (< 64) is the
// bit reported when patterns[i] occurs.
func newMultiMatcher(patterns [][]byte, group []int) *multiMatcher {
	m := &multiMatcher{classes: 1}
	for _, p := range patterns {
		for _, b := range p {
			if m.class[b] == 0 {
				m.class[b] = uint8(m.classes)
				m.classes++
			}
		}
	}
	// 1. The trie: -1 is a missing edge.
	edge := func(s int, c uint8) *int32 { return &m.next[s*m.classes+int(c)] }
	newState := func() int {
		m.next = append(m.next, make([]int32, m.classes)...)
		for i := len(m.next) - m.classes; i < len(m.next); i++ {
			m.next[i] = -1
		}
		m.out = append(m.out, 0)
		return len(m.out) - 1
	}
	newState()
	for i, p := range patterns {
		s := 0
		for _, b := range p {
			e := edge(s, m.class[b])
			if *e < 0 {
				n := newState()
				e = edge(s, m.class[b]) // newState may have moved the table
				*e = int32(n)
			}
			s = int(*e)
		}
		m.out[s] |= 1 << uint(group[i])
	}
	// 2. Failure links, breadth first, folded into a complete automaton.
	fail := make([]int32, len(m.out))
	queue := []int{}
	for c := 0; c < m.classes; c++ {
		e := edge(0, uint8(c))
		if *e < 0 {
			*e = 0
		} else {
			fail[*e] = 0
			queue = append(queue, int(*e))
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] |= m.out[fail[s]]
		for c := 0; c < m.classes; c++ {
			e := edge(s, uint8(c))
			if *e < 0 {
				*e = *edge(int(fail[s]), uint8(c))
			} else {
				fail[*e] = *edge(int(fail[s]), uint8(c))
				queue = append(queue, int(*e))
			}
		}
	}
	return m
}

// match returns the bitmask of groups whose patterns occur in text,
// stopping early once every bit in stop is found.
func (m *multiMatcher) match(text []byte, stop uint64) uint64 {
	var found uint64
	s := int32(0)
	for _, b := range text {
		s = m.next[int(s)*m.classes+int(m.class[b])]
		if o := m.out[s]; o != 0 {
			found |= o
			if found&stop != 0 {
				return found
			}
		}
	}
	return found
}

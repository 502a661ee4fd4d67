package sdk

import "strings"

// gppBits builds one GPP segment: a big-endian bit string, written left to
// right, encoded as the IAB GPP specification and its reference library
// (@iabgpp/cmpapi) do: padded with zero bits to a whole number of bytes and
// then of base64 digits, in the base64url alphabet, without "=".
type gppBits struct {
	bits []byte // one 0 or 1 per bit
}

// int writes v as an unsigned integer of n bits.
func (b *gppBits) int(v, n int) {
	for i := n - 1; i >= 0; i-- {
		b.bits = append(b.bits, byte(v>>i)&1)
	}
}

// bool writes one bit.
func (b *gppBits) bool(v bool) {
	if v {
		b.bits = append(b.bits, 1)
	} else {
		b.bits = append(b.bits, 0)
	}
}

// fibonacci writes v (1 or more) in Fibonacci coding: a bit per Fibonacci
// number 1, 2, 3, 5, 8, … from the smallest, set for the Zeckendorf sum of
// v, then a closing 1 (so the code ends in "11").
func (b *gppBits) fibonacci(v int) {
	fib := []int{1, 2}
	for fib[len(fib)-1]+fib[len(fib)-2] <= v {
		fib = append(fib, fib[len(fib)-1]+fib[len(fib)-2])
	}
	code := make([]byte, 0, len(fib)+1)
	rest := v
	for i := len(fib) - 1; i >= 0; i-- {
		if fib[i] <= rest {
			code = append(code, 1)
			rest -= fib[i]
		} else {
			code = append(code, 0)
		}
	}
	// code is largest first; the wire order is smallest first, with the
	// leading zeros of unused large numbers dropped.
	for len(code) > 0 && code[0] == 0 {
		code = code[1:]
	}
	for i := len(code) - 1; i >= 0; i-- {
		b.bits = append(b.bits, code[i])
	}
	b.bits = append(b.bits, 1)
}

// fibonacciRange writes ids (ascending, distinct) as the header's Section
// IDs: a 12-bit count of groups, then per group of consecutive ids either
// 0 and the id, or 1 and its first and last id, each Fibonacci-coded as
// the difference from the previous number written (the reference
// library's offsets).
func (b *gppBits) fibonacciRange(ids []int) {
	type group struct{ first, last int }
	var groups []group
	for _, id := range ids {
		if n := len(groups); n > 0 && groups[n-1].last+1 == id {
			groups[n-1].last = id
			continue
		}
		groups = append(groups, group{id, id})
	}
	b.int(len(groups), 12)
	offset := 0
	for _, g := range groups {
		if g.first == g.last {
			b.bool(false)
			b.fibonacci(g.first - offset)
			offset = g.first
			continue
		}
		b.bool(true)
		b.fibonacci(g.first - offset)
		b.fibonacci(g.last - g.first)
		offset = g.last
	}
}

const base64URLDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// String pads the bits and encodes them.
func (b *gppBits) String() string {
	bits := b.bits
	for len(bits)%8 != 0 {
		bits = append(bits, 0)
	}
	for len(bits)%6 != 0 {
		bits = append(bits, 0)
	}
	var s strings.Builder
	for i := 0; i < len(bits); i += 6 {
		v := 0
		for _, bit := range bits[i : i+6] {
			v = v<<1 | int(bit)
		}
		s.WriteByte(base64URLDigits[v])
	}
	return s.String()
}

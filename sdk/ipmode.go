package sdk

// IPMode says what the consent log keeps of a visitor's IP address.
type IPMode string

// The IP modes.
const (
	// IPTruncate keeps the network: the /24 of an IPv4 address, the /48 of
	// an IPv6 one.
	IPTruncate IPMode = "truncate"
	// IPHash keeps a keyed hash of the address.
	IPHash IPMode = "hash"
	// IPOff keeps nothing.
	IPOff IPMode = "off"
)

// Valid reports whether m is one of the IP modes.
func (m IPMode) Valid() bool {
	return m == IPTruncate || m == IPHash || m == IPOff
}

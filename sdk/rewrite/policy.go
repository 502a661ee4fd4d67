package rewrite

// Policy tells the rewriter what to neutralise for one response. It is built
// per request from the visitor's state and the category catalogue.
type Policy interface {
	// RefusedHost returns the key of the refused category that host (a
	// host name without port, as HostName maps it: lowercase ASCII,
	// IDNA labels as "xn--", no trailing dot) belongs to, or "" when the
	// host is not catalogued or its category is granted.
	RefusedHost(host string) string
	// RefusedInline returns the key of the refused category whose inline
	// patterns the script body matches, or "".
	RefusedInline(body []byte) string
	// Refused reports whether the category key is refused for this visitor.
	// Unknown keys are refused (the site marked the tag; nobody granted it).
	Refused(key string) bool
}

package sdk

// Observer is told what the engine does, for metrics. Its methods are called
// on the request path and must be fast and safe for concurrent use; they must
// not keep the maps or slices they are given. The Caddy module implements it
// with Prometheus counters.
type Observer interface {
	// Decision is called once per recorded choice, with the categories it
	// granted and refused (sorted keys).
	Decision(method Method, regime Regime, granted, refused []string)
	// PageRewritten is called once per HTML page the engine rewrote, with
	// the number of tags held back per category (absent: none).
	PageRewritten(neutralised map[string]int)
	// CookiesDropped is called when cookies of a refused category are
	// removed: where is "request" (cookies not forwarded upstream) or
	// "response" (Set-Cookie headers dropped from the upstream's answer).
	CookiesDropped(category, where string, n int)
}

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

// LimitObserver is an Observer that is also told of the decisions the
// engine answered without recording (see Options.DecisionsPerClient). The
// engine checks for it with a type assertion, so an Observer need not
// implement it.
type LimitObserver interface {
	Observer
	// DecisionRateLimited is called once per POST /_consent refused with
	// 429 by a limit: limit is "client" (the client's network) or "id"
	// (the consent id).
	DecisionRateLimited(limit string)
	// DecisionCollapsed is called once per decision answered but not
	// recorded because the same consent id made the same choice moments
	// before (a double click, a retried request).
	DecisionCollapsed()
}

package sdk

import (
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/consentry/consentry/sdk/internal/bounded"
)

// Limits on the decisions POST /_consent records, so that no client can
// fill the consent log (issue 12: 5,000 unauthenticated posts in 1.8 s were
// all kept, for 400 days, and made the opt-in charts the attacker's).
const (
	// DefaultDecisionsPerClient is the default of
	// Options.DecisionsPerClient: 60 decisions a minute, 30 at once, from
	// one /24 (IPv4) or /64 (IPv6). A person decides once or twice per
	// site; a /24 shared by an office or a carrier's NAT seldom records
	// more than a few a minute.
	DefaultDecisionsPerClient = 60
	// DefaultDecisionsPerID is the default of Options.DecisionsPerID: 10
	// decisions a minute, 5 at once, for one consent id, so a visitor can
	// accept, reject and change their mind several times in a row.
	DefaultDecisionsPerID = 10

	// decisionRepeatWindow is how long an identical repeat (same consent
	// id, same granted categories) is answered, cookie and all, without a
	// second record: a double click or a retried request.
	decisionRepeatWindow = 10 * time.Second
	// maxLimitedClients and maxLimitedIDs bound the limiter tables (about
	// 200 bytes an entry, so under 4 MB together); the least recently seen
	// entry makes room for a new one.
	maxLimitedClients = 8192
	maxLimitedIDs     = 8192
)

// decisionLimiter keeps a token bucket (golang.org/x/time/rate) per client
// network and per consent id, and each id's last recorded decision.
type decisionLimiter struct {
	perClient, perID     rate.Limit // tokens a second; 0: not limited
	burstClient, burstID int

	mu      sync.Mutex
	latest  time.Time // the latest time admit was given
	clients *bounded.LRU[netip.Prefix, *rate.Limiter]
	ids     *bounded.LRU[string, *idDecisions]
}

// idDecisions is what the limiter keeps of one consent id.
type idDecisions struct {
	lim     *rate.Limiter // nil when ids are not limited
	granted string        // the last recorded decision's granted keys, sorted, comma-separated
	at      time.Time     // when it was recorded
}

// admission is the limiter's answer to a decision.
type admission struct {
	// limit is "client" or "id" when a limit refuses the decision, with
	// retry the wait until it would not.
	limit string
	retry time.Duration
	// repeat is true for an identical repeat within decisionRepeatWindow:
	// answer it, but record nothing.
	repeat bool
}

// newDecisionLimiter makes the limiter of Options.DecisionsPerClient and
// DecisionsPerID (0: the default; negative: no limit). The burst is half
// the rate a minute, at least 1.
func newDecisionLimiter(o Options) *decisionLimiter {
	l := &decisionLimiter{
		clients: bounded.NewLRU[netip.Prefix, *rate.Limiter](maxLimitedClients),
		ids:     bounded.NewLRU[string, *idDecisions](maxLimitedIDs),
	}
	l.perClient, l.burstClient = perMinute(o.DecisionsPerClient, DefaultDecisionsPerClient)
	l.perID, l.burstID = perMinute(o.DecisionsPerID, DefaultDecisionsPerID)
	return l
}

// perMinute is the rate and burst of n decisions a minute.
func perMinute(n, def int) (rate.Limit, int) {
	switch {
	case n < 0:
		return 0, 0
	case n == 0:
		n = def
	}
	return rate.Limit(float64(n) / 60), max(n/2, 1)
}

// admit decides whether the decision granting granted (keys, any order)
// for consent id, from client network, is recorded at now, and if so
// takes a token from both buckets.
func (l *decisionLimiter) admit(client netip.Prefix, id string, granted []string, now time.Time) admission {
	key := slices.Clone(granted)
	slices.Sort(key)
	g := strings.Join(key, ",")

	l.mu.Lock()
	defer l.mu.Unlock()
	// Concurrent requests read the clock before they take the lock; a
	// bucket given an earlier time than its last would count that span
	// twice.
	if now.Before(l.latest) {
		now = l.latest
	}
	l.latest = now
	st, _ := l.ids.Get(id)
	if st != nil && st.granted == g && now.Sub(st.at) < decisionRepeatWindow {
		return admission{repeat: true}
	}
	if l.perID > 0 {
		if st == nil || st.lim == nil {
			st = &idDecisions{lim: rate.NewLimiter(l.perID, l.burstID)}
		}
		if wait := tokenWait(st.lim, now); wait > 0 {
			return admission{limit: "id", retry: wait}
		}
	}
	var cl *rate.Limiter
	if l.perClient > 0 {
		var ok bool
		if cl, ok = l.clients.Get(client); !ok {
			cl = rate.NewLimiter(l.perClient, l.burstClient)
			l.clients.Put(client, cl)
		}
		if wait := tokenWait(cl, now); wait > 0 {
			return admission{limit: "client", retry: wait}
		}
		cl.AllowN(now, 1)
	}
	if st == nil {
		st = new(idDecisions)
	}
	if st.lim != nil {
		st.lim.AllowN(now, 1)
	}
	st.granted, st.at = g, now
	l.ids.Put(id, st)
	return admission{}
}

// tokenWait is how long until lim holds a whole token at now; 0 when it
// does.
func tokenWait(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}

// clientNetwork is the network a client address is limited by: its /24
// for IPv4, its /64 for IPv6 (what one subscriber usually holds), the
// zero Prefix for an unknown address.
func clientNetwork(ip netip.Addr) netip.Prefix {
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	ip = ip.Unmap()
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, _ := ip.Prefix(bits)
	return p
}

// admitDecision applies the limits to a decision about to be recorded.
// Over a limit it answers 429 with Retry-After, tells the Observer and
// reports false: the caller sets no cookie and records nothing. Otherwise
// repeat tells an identical repeat, to be answered but not recorded.
func (c *Consent) admitDecision(w http.ResponseWriter, r *http.Request, ch *choice) (repeat, ok bool) {
	a := c.limits.admit(clientNetwork(c.locate.clientIP(r)), ch.ID, ch.Granted, c.now())
	lo, _ := c.opts.Observer.(LimitObserver)
	switch {
	case a.limit != "":
		if lo != nil {
			lo.DecisionRateLimited(a.limit)
		}
		c.log.Debug("consent: decision rate-limited", "limit", a.limit, "retry", a.retry)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(a.retry.Seconds()))))
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "too many consent decisions; try again later", http.StatusTooManyRequests)
		return false, false
	case a.repeat:
		if lo != nil {
			lo.DecisionCollapsed()
		}
		c.log.Debug("consent: repeated decision not recorded again", "id", ch.ID)
	}
	return a.repeat, true
}

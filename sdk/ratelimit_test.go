package sdk

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// limitCounter is a LimitObserver that counts what it is told.
type limitCounter struct {
	mu                   sync.Mutex
	decisions, collapsed int
	limited              map[string]int
}

func (o *limitCounter) Decision(Method, Regime, []string, []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.decisions++
}
func (o *limitCounter) PageRewritten(map[string]int)       {}
func (o *limitCounter) CookiesDropped(string, string, int) {}
func (o *limitCounter) DecisionRateLimited(limit string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.limited == nil {
		o.limited = map[string]int{}
	}
	o.limited[limit]++
}
func (o *limitCounter) DecisionCollapsed() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.collapsed++
}

// testClock is an Options.Now that tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// limitedConsent returns a Consent logging into a capture store, with a
// clock the test moves and a LimitObserver.
func limitedConsent(t *testing.T, o Options) (*Consent, func() int, *limitCounter, *testClock) {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	obs := &limitCounter{}
	o.Now, o.Observer = clock.now, obs
	c, l, st := loggedConsent(t, o)
	records := func() int {
		t.Helper()
		flushLog(t, l)
		st.mu.Lock()
		defer st.mu.Unlock()
		return len(st.records)
	}
	return c, records, obs, clock
}

// decide posts a decision from addr (host:port), carrying cookie (a
// "name=value" pair) when not empty.
func decide(c *Consent, addr, cookie, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = addr
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return serve(c, r)
}

// consentPair is the "name=value" of the consent cookie w set.
func consentPair(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	for _, v := range w.Header().Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(v); err == nil && strings.HasSuffix(ck.Name, "consent") && ck.Value != "" {
			return ck.Name + "=" + ck.Value
		}
	}
	t.Fatalf("no consent cookie in %q", w.Header().Values("Set-Cookie"))
	return ""
}

// assertLimited checks a 429: Retry-After in whole seconds, no cookie.
func assertLimited(t *testing.T, name string, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429", name, w.Code)
	}
	if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("%s: Retry-After %q, want whole seconds", name, w.Header().Get("Retry-After"))
	}
	if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("%s: a limited post set cookies %q", name, sc)
	}
}

// TestAttackDecisionFlood: posts without a cookie (a new consent id each)
// from one /24 are recorded up to the burst, then refused with 429 and
// counted, and recorded again at the sustained rate as time passes.
func TestAttackDecisionFlood(t *testing.T) {
	c, records, obs, clock := limitedConsent(t, Options{})
	burst := DefaultDecisionsPerClient / 2
	ok := 0
	for i := range 200 {
		w := decide(c, "203.0.113."+strconv.Itoa(i%250+1)+":4000", "", `{"action":"accept_all"}`)
		switch w.Code {
		case http.StatusOK:
			ok++
		default:
			assertLimited(t, "flood", w)
		}
	}
	if ok != burst || records() != burst {
		t.Errorf("%d posts accepted and %d recorded from one /24, want the burst of %d", ok, records(), burst)
	}
	if obs.limited["client"] != 200-burst || obs.decisions != burst {
		t.Errorf("observer: %d limited by client, %d decisions; want %d and %d", obs.limited["client"], obs.decisions, 200-burst, burst)
	}
	// One more a second (60 a minute) once the burst is spent.
	clock.advance(time.Second)
	if w := decide(c, "203.0.113.9:1", "", `{"action":"reject_all"}`); w.Code != http.StatusOK {
		t.Errorf("a second later: status %d, want 200", w.Code)
	}
	assertLimited(t, "the same second", decide(c, "203.0.113.9:1", "", `{"action":"reject_all"}`))
	if got := records(); got != burst+1 {
		t.Errorf("%d records, want %d", got, burst+1)
	}
}

// TestDecisionLimitPerNetwork: the limit is per /24 (IPv4) and per /64
// (IPv6); other networks are not affected by a flood from one.
func TestDecisionLimitPerNetwork(t *testing.T) {
	c, records, _, _ := limitedConsent(t, Options{DecisionsPerClient: 4}) // burst 2
	for _, tc := range []struct {
		name, first, same, other string
	}{
		{"ipv4", "198.51.100.7:1", "198.51.100.200:2", "198.51.101.7:1"},
		{"ipv6", "[2001:db8:1:2::1]:1", "[2001:db8:1:2:ffff::9]:1", "[2001:db8:1:3::1]:1"},
		{"ipv4-mapped", "[::ffff:192.0.2.10]:1", "192.0.2.99:1", "192.0.3.10:1"},
	} {
		before := records()
		for i, addr := range []string{tc.first, tc.same} {
			if w := decide(c, addr, "", `{"action":"accept_all"}`); w.Code != http.StatusOK {
				t.Errorf("%s: post %d from %s: status %d", tc.name, i, addr, w.Code)
			}
		}
		assertLimited(t, tc.name+": third from the network", decide(c, tc.same, "", `{"action":"accept_all"}`))
		if w := decide(c, tc.other, "", `{"action":"accept_all"}`); w.Code != http.StatusOK {
			t.Errorf("%s: another network (%s) was limited: %d", tc.name, tc.other, w.Code)
		}
		if got := records() - before; got != 3 {
			t.Errorf("%s: %d records, want 3", tc.name, got)
		}
	}
}

// TestDecisionLimitPerID: one consent id is limited wherever its posts
// come from, while a visitor who accepts, rejects and changes their mind a
// few times is never limited.
func TestDecisionLimitPerID(t *testing.T) {
	c, records, obs, _ := limitedConsent(t, Options{})
	w := decide(c, "192.0.2.1:1", "", `{"action":"accept_all"}`)
	cookie := consentPair(t, w)
	bodies := []string{`{"action":"reject_all"}`, `{"action":"accept_all"}`,
		`{"action":"custom","categories":["analytics"]}`, `{"action":"reject_all"}`}
	for i, body := range bodies {
		if w := decide(c, "192.0.2.1:1", cookie, body); w.Code != http.StatusOK {
			t.Fatalf("change of mind %d (%s): status %d", i, body, w.Code)
		}
	}
	if got := records(); got != 1+len(bodies) {
		t.Errorf("%d records, want %d: a visitor changing their mind is recorded each time", got, 1+len(bodies))
	}
	// The id's burst (5) is spent: a sixth decision is refused from any
	// network, and a new visitor from the same network is not.
	assertLimited(t, "sixth decision of one id", decide(c, "198.51.100.1:1", cookie, `{"action":"accept_all"}`))
	if obs.limited["id"] != 1 {
		t.Errorf("observer: %v, want one limited by id", obs.limited)
	}
	if w := decide(c, "192.0.2.1:1", "", `{"action":"accept_all"}`); w.Code != http.StatusOK {
		t.Errorf("a new visitor from the same network: status %d", w.Code)
	}
}

// TestDecisionRepeatCollapsed: the same id making the same choice again
// within the window gets its cookie but no second record; after the
// window, or with another choice, it is recorded.
func TestDecisionRepeatCollapsed(t *testing.T) {
	c, records, obs, clock := limitedConsent(t, Options{})
	cookie := consentPair(t, decide(c, "192.0.2.1:1", "", `{"action":"custom","categories":["social","analytics"]}`))
	for i, body := range []string{`{"action":"custom","categories":["analytics","social"]}`,
		`{"action":"custom","categories":["social","analytics","social"]}`} {
		w := decide(c, "192.0.2.1:1", cookie, body)
		if s := decodeState(t, w); w.Code != http.StatusOK || consentPair(t, w) == "" || !s.Allowed(Analytics) {
			t.Fatalf("repeat %d: status %d", i, w.Code)
		}
	}
	if got := records(); got != 1 || obs.collapsed != 2 {
		t.Errorf("%d records and %d collapsed after two identical repeats, want 1 and 2", got, obs.collapsed)
	}
	clock.advance(decisionRepeatWindow)
	decide(c, "192.0.2.1:1", cookie, `{"action":"custom","categories":["analytics","social"]}`)
	decide(c, "192.0.2.1:1", cookie, `{"action":"reject_all"}`)
	if got := records(); got != 3 {
		t.Errorf("%d records, want 3: a repeat after the window and a new choice are recorded", got)
	}
}

// TestDecisionLimitsOff: negative limits turn them off.
func TestDecisionLimitsOff(t *testing.T) {
	c, records, _, _ := limitedConsent(t, Options{DecisionsPerClient: -1, DecisionsPerID: -1})
	for i := range 100 {
		if w := decide(c, "192.0.2.1:1", "", `{"action":"accept_all"}`); w.Code != http.StatusOK {
			t.Fatalf("post %d: status %d", i, w.Code)
		}
	}
	if got := records(); got != 100 {
		t.Errorf("%d records, want 100", got)
	}
}

// TestDecisionLimiterMemory: a flood of distinct networks and ids holds at
// most the tables' capacity.
func TestDecisionLimiterMemory(t *testing.T) {
	l := newDecisionLimiter(Options{})
	now := time.Now()
	for i := range 3 * maxLimitedClients {
		ip := [16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 16), byte(i >> 8), byte(i)}
		a := l.admit(clientNetwork(netip.AddrFrom16(ip)), newConsentID(), []string{Necessary}, now)
		if a.limit != "" {
			t.Fatalf("post %d from a new network and id limited by %s", i, a.limit)
		}
	}
	if l.clients.Len() > maxLimitedClients || l.ids.Len() > maxLimitedIDs {
		t.Errorf("tables hold %d networks and %d ids, want at most %d and %d",
			l.clients.Len(), l.ids.Len(), maxLimitedClients, maxLimitedIDs)
	}
}

// TestDecisionFloodRealClock replays issue 12's flood on the real clock:
// one /24 posting as fast as 8 connections can for 2 seconds records the
// burst, then one a second (go test -v for the figures).
func TestDecisionFloodRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("floods for 2 seconds")
	}
	obs := &limitCounter{}
	c, l, st := loggedConsent(t, Options{Observer: obs})
	const d = 2 * time.Second
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	posts := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for ; time.Since(start) < d; n++ {
				decide(c, "203.0.113."+strconv.Itoa((g*31+n)%250+1)+":1", "", `{"action":"accept_all"}`)
			}
			mu.Lock()
			posts += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	flushLog(t, l)
	st.mu.Lock()
	n := len(st.records)
	st.mu.Unlock()
	burst := DefaultDecisionsPerClient / 2
	t.Logf("%d posts from one /24 in %v: %d recorded (the burst of %d, then one a second), %d refused with 429",
		posts, elapsed.Round(time.Millisecond), n, burst, obs.limited["client"])
	if limit := burst + int(elapsed.Seconds()*DefaultDecisionsPerClient/60) + 1; n > limit || n < burst {
		t.Errorf("%d recorded in %v, want %d to %d", n, elapsed, burst, limit)
	}
}

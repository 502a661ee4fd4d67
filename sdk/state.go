package sdk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// Regime is the visitor's legal regime; it decides the defaults before a
// choice and which signals bind.
type Regime string

// The regimes.
const (
	RegimeOptIn  Regime = "opt-in"
	RegimeOptOut Regime = "opt-out"
	RegimeNotice Regime = "notice"
)

// Valid reports whether r is one of the known regimes.
func (r Regime) Valid() bool {
	return r == RegimeOptIn || r == RegimeOptOut || r == RegimeNotice
}

// Method is how a choice was made.
type Method string

// The methods of a choice.
const (
	MethodAcceptAll Method = "accept_all"
	MethodRejectAll Method = "reject_all"
	MethodCustom    Method = "custom"
	MethodSignal    Method = "signal"
)

// Signals are the browser's privacy signals as sent with the request.
type Signals struct {
	GPC bool `json:"gpc"`
	DNT bool `json:"dnt"`

	// gpcAdvisory is set when GPC was sent where the visitor's state law
	// does not (yet) make it a binding opt-out: it is recorded and binds
	// nothing (Consent.weighGPC).
	gpcAdvisory bool
}

// bindingGPC reports whether the request carries a GPC signal that binds
// in the opt-out regime.
func (s Signals) bindingGPC() bool { return s.GPC && !s.gpcAdvisory }

// State is the visitor's consent, as GET /_consent returns it and as the
// page's inline JSON carries it.
type State struct {
	// ID is the random 128-bit consent id, hex encoded; empty before a choice.
	ID string `json:"id"`
	// Version is the policy version the choice was made under (or the
	// current one before a choice).
	Version string `json:"version"`
	// Regime is the legal regime the state was decided under.
	Regime Regime `json:"regime"`
	// Decided is true once the visitor has made a choice.
	Decided bool `json:"decided"`
	// Method is how the choice was made; empty before a choice.
	Method Method `json:"method"`
	// Time is when the choice was made (RFC 3339, UTC); empty before a choice.
	Time string `json:"time"`
	// Categories maps every configured category key to whether it is granted.
	Categories map[string]bool `json:"categories"`
	// Signals are the privacy signals of the current request.
	Signals Signals `json:"signals"`
	// GPP is the visitor's IAB Global Privacy Platform signal; nil when
	// Options.GPP is off.
	GPP *GPP `json:"gpp,omitempty"`

	// loc is where the visitor is, as far as the proxy knows.
	loc Location

	// reask says why a visitor who had chosen is asked again (reaskPolicy,
	// reaskExpired); empty otherwise. The banner says so.
	reask string
	// strays is set when the request carried several consent cookies,
	// which the response deletes but the engine's own
	// (expireStrayConsentCookies).
	strays bool
}

// Allowed reports whether category key is granted. A nil State allows only
// the necessary category.
func (s *State) Allowed(key string) bool {
	if s == nil {
		return key == Necessary
	}
	return s.Categories[key]
}

// Granted returns the granted category keys in sorted order.
func (s *State) Granted() []string {
	var out []string
	for k, v := range s.Categories {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Refused returns the refused category keys in sorted order.
func (s *State) Refused() []string {
	var out []string
	for k, v := range s.Categories {
		if !v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// list renders the signals for the Consent-Signals header.
func (s Signals) list() string {
	var parts []string
	if s.GPC {
		parts = append(parts, "gpc")
	}
	if s.DNT {
		parts = append(parts, "dnt")
	}
	return strings.Join(parts, ", ")
}

// newConsentID returns a random 128-bit id, hex encoded.
func newConsentID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type ctxKey struct{}

// FromContext returns the visitor's consent state that the middleware put on
// the request context, or nil outside the middleware. A nil *State is safe
// to use: it allows only the necessary category.
func FromContext(ctx context.Context) *State {
	s, _ := ctx.Value(ctxKey{}).(*State)
	return s
}

// withState returns ctx carrying s.
func withState(ctx context.Context, s *State) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

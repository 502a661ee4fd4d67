package caddymodule

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"

	"github.com/consentry/consentry/sdk"
)

// placeholderPrefix starts every placeholder the consent handler answers.
const placeholderPrefix = "http.consent."

// mapPlaceholders exposes the visitor's consent to the handlers and
// matchers after the consent handler. The values are worked out only when
// a placeholder is used, so requests that use none pay for one closure:
//
//	{http.consent.<category>}  true or false for each category, e.g. {http.consent.analytics}
//	{http.consent.categories}  the granted categories, e.g. "necessary, analytics"
//	{http.consent.regime}      opt-in, opt-out or notice
//	{http.consent.decided}     true once the visitor has made a choice
//	{http.consent.id}          the consent id; empty before a choice
//	{http.consent.gpc}         true when the request sent Sec-GPC: 1
//	{http.consent.dnt}         true when the request sent DNT: 1
//	{http.consent.gpp}         the GPP string (gpp on); empty when off
//	{http.consent.gpp_sid}     its section ids, "7,8", or -1; empty when off
//
// An unknown category is not a placeholder, so Caddy leaves it as written
// (or empty, where handlers replace unknown placeholders with "").
func mapPlaceholders(r *http.Request) {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	s := sdk.FromContext(r.Context())
	if s == nil {
		return
	}
	repl.Map(func(key string) (any, bool) {
		name, ok := strings.CutPrefix(key, placeholderPrefix)
		if !ok {
			return nil, false
		}
		return consentValue(s, name)
	})
}

// consentValue answers one {http.consent.<name>} placeholder from s.
func consentValue(s *sdk.State, name string) (string, bool) {
	switch name {
	case "regime":
		return string(s.Regime), true
	case "decided":
		return strconv.FormatBool(s.Decided), true
	case "id":
		return s.ID, true
	case "gpc":
		return strconv.FormatBool(s.Signals.GPC), true
	case "dnt":
		return strconv.FormatBool(s.Signals.DNT), true
	case "categories":
		return strings.Join(s.Granted(), ", "), true
	case "gpp":
		if s.GPP == nil {
			return "", true
		}
		return s.GPP.String, true
	case "gpp_sid":
		if s.GPP == nil {
			return "", true
		}
		return s.GPP.SIDList(), true
	}
	if v, ok := s.Categories[name]; ok {
		return strconv.FormatBool(v), true
	}
	return "", false
}

package caddymodule

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"

	"github.com/consentry/consentry/sdk"
)

// setPlaceholders exposes the visitor's consent to the handlers after the
// consent handler:
//
//	{http.consent.decided}     true once the visitor has made a choice
//	{http.consent.regime}      opt-in, opt-out or notice
//	{http.consent.id}          the consent id; empty before a choice
//	{http.consent.categories}  the granted categories, e.g. "necessary, analytics"
//	{http.consent.<category>}  true or false for each category, e.g. {http.consent.analytics}
func setPlaceholders(r *http.Request) {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	s := sdk.FromContext(r.Context())
	if s == nil {
		return
	}
	repl.Set("http.consent.decided", strconv.FormatBool(s.Decided))
	repl.Set("http.consent.regime", string(s.Regime))
	repl.Set("http.consent.id", s.ID)
	repl.Set("http.consent.categories", strings.Join(s.Granted(), ", "))
	for k, v := range s.Categories {
		repl.Set("http.consent."+k, strconv.FormatBool(v))
	}
}

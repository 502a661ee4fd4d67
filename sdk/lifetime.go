package sdk

import (
	"strconv"
	"strings"

	"github.com/consentry/consentry/banner"
)

// lifetimeUnits maps the English unit words of the catalogue's lifetimes
// ("2 years", "30 minutes") to the bundle key of their plural message.
var lifetimeUnits = map[string]string{
	"second": "life.second", "seconds": "life.second",
	"minute": "life.minute", "minutes": "life.minute",
	"hour": "life.hour", "hours": "life.hour",
	"day": "life.day", "days": "life.day",
	"week": "life.week", "weeks": "life.week",
	"month": "life.month", "months": "life.month",
	"year": "life.year", "years": "life.year",
}

// localLifetime renders a cookie lifetime written in English, as the
// catalogue and declarationRows write them, in lang with the texts t: "session",
// "<n> <unit>" and ranges "<a> to <b>" (either end a lifetime, or a bare
// number taking the other end's unit: "180 to 365 days"). A lifetime in
// another form, or any lifetime in English, is returned as it is.
func localLifetime(lang string, t map[string]string, en string) string {
	if lang == banner.DefaultLanguage {
		return en
	}
	if from, to, ok := strings.Cut(en, " to "); ok {
		a, aok := lifetimePart(lang, t, from, to)
		b, bok := lifetimePart(lang, t, to, "")
		if aok && bok && strings.Contains(t["life.range"], "{from}") && strings.Contains(t["life.range"], "{to}") {
			return strings.NewReplacer("{from}", a, "{to}", b).Replace(t["life.range"])
		}
		return en
	}
	if s, ok := lifetimePart(lang, t, en, ""); ok {
		return s
	}
	return en
}

// lifetimePart renders one end of a lifetime; a bare number takes the unit
// of unitFrom.
func lifetimePart(lang string, t map[string]string, s, unitFrom string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "session") {
		return t["life.session"], t["life.session"] != ""
	}
	num, unit, _ := strings.Cut(s, " ")
	if unit == "" && unitFrom != "" {
		_, unit, _ = strings.Cut(strings.TrimSpace(unitFrom), " ")
	}
	key, ok := lifetimeUnits[strings.ToLower(strings.TrimSpace(unit))]
	if !ok {
		return "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return "", false
	}
	return banner.Plural(lang, t[key], n)
}

package sdk

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// appendStateJSON writes s as json.Marshal does (HTML-escaped, category
// keys sorted), without reflection: it runs for every rewritten page.
func appendStateJSON(b *bytes.Buffer, s *State) {
	b.WriteString(`{"id":`)
	appendJSONString(b, s.ID)
	b.WriteString(`,"version":`)
	appendJSONString(b, s.Version)
	b.WriteString(`,"regime":`)
	appendJSONString(b, string(s.Regime))
	b.WriteString(`,"decided":`)
	b.WriteString(strconv.FormatBool(s.Decided))
	b.WriteString(`,"method":`)
	appendJSONString(b, string(s.Method))
	b.WriteString(`,"time":`)
	appendJSONString(b, s.Time)
	b.WriteString(`,"categories":`)
	if s.Categories == nil {
		b.WriteString("null")
	} else {
		var buf [8]string
		keys := buf[:0]
		for k := range s.Categories {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			appendJSONString(b, k)
			b.WriteByte(':')
			b.WriteString(strconv.FormatBool(s.Categories[k]))
		}
		b.WriteByte('}')
	}
	b.WriteString(`,"signals":{"gpc":`)
	b.WriteString(strconv.FormatBool(s.Signals.GPC))
	b.WriteString(`,"dnt":`)
	b.WriteString(strconv.FormatBool(s.Signals.DNT))
	b.WriteByte('}')
	if g := s.GPP; g != nil {
		b.WriteString(`,"gpp":{"string":`)
		appendJSONString(b, g.String)
		b.WriteString(`,"sid":[`)
		b.WriteString(g.SIDList())
		b.WriteString(`],"sections":`)
		b.Write(g.Sections)
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

// appendJSONString writes v as a JSON string. Plain printable ASCII (ids,
// regimes, times, category keys) is written as is; anything else goes
// through encoding/json, which escapes HTML and invalid UTF-8.
func appendJSONString(b *bytes.Buffer, v string) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(v) // a string always marshals
			b.Write(q)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(v)
	b.WriteByte('"')
}

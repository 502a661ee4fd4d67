package sdk

import "net/http"

// readSignals returns the privacy signals of r. Per the GPC specification,
// Sec-GPC counts only when a field value is exactly "1" (several fields
// count as one "1" if any is); DNT counts when its value starts with "1"
// (the DNT grammar allows extensions after the digit).
func readSignals(r *http.Request) Signals {
	var s Signals
	for _, v := range r.Header.Values("Sec-GPC") {
		if v == "1" {
			s.GPC = true
			break
		}
	}
	if v := r.Header.Get("DNT"); len(v) > 0 && v[0] == '1' {
		s.DNT = true
	}
	return s
}

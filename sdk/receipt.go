package sdk

import "net/http"

// receipt is the visitor's own consent record.
type receipt struct {
	ID       string          `json:"consent_id"`
	Time     string          `json:"time"`
	Version  string          `json:"policy_version"`
	Regime   Regime          `json:"regime"`
	Method   Method          `json:"method"`
	Granted  []string        `json:"granted"`
	Refused  []string        `json:"refused"`
	Signals  Signals         `json:"signals"`
	Decided  bool            `json:"decided"`
	Category map[string]bool `json:"categories"`
}

// serveReceipt answers <prefix>/receipt: the visitor's own consent record,
// as JSON.
func (c *Consent) serveReceipt(w http.ResponseWriter, _ *http.Request, s *State) {
	writeJSON(w, http.StatusOK, receipt{
		ID: s.ID, Time: s.Time, Version: s.Version, Regime: s.Regime, Method: s.Method,
		Granted: s.Granted(), Refused: s.Refused(), Signals: s.Signals, Decided: s.Decided,
		Category: s.Categories,
	})
}

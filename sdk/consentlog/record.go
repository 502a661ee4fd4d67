package consentlog

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// SchemaVersion names the record format; it is stored with every record.
const SchemaVersion = "consent-log/1"

// Event types: what a decision did, relative to the visitor's previous one.
const (
	// EventGiven is a first decision granting at least one optional
	// category.
	EventGiven = "given"
	// EventRefused is a first decision granting only what is necessary.
	EventRefused = "refused"
	// EventUpdated is a later decision that withdraws nothing granted
	// before.
	EventUpdated = "updated"
	// EventWithdrawn is a later decision that refuses a category granted
	// before.
	EventWithdrawn = "withdrawn"
)

// Record is one consent decision. It holds no full IP address and no
// User-Agent: IP is truncated or keyed-hashed, and only the browser, OS and
// device families are kept.
type Record struct {
	// RecordID identifies the record (128 random bits, hex). Stores ignore
	// a record whose id they already hold, which makes replays safe.
	RecordID string `json:"record_id"`
	// SchemaVersion is SchemaVersion when the record was made.
	SchemaVersion string `json:"schema_version"`
	// EventTime is when the decision was made, by the server's clock (UTC).
	EventTime time.Time `json:"event_time"`
	// EventType is one of the Event constants.
	EventType string `json:"event_type"`
	// SubjectID is the pseudonymous consent id from the consent cookie;
	// it is the same across a visitor's decisions.
	SubjectID string `json:"subject_id"`
	// Site is the host name the decision was made on.
	Site string `json:"site"`
	// PolicyVersion is the privacy policy version the visitor decided on.
	PolicyVersion string `json:"policy_version"`
	// Regime is the legal regime applied: opt-in, opt-out or notice.
	Regime string `json:"regime"`
	// Jurisdiction is where the visitor was placed, "DE" or "US-CA";
	// empty when no location source is configured or none placed them.
	Jurisdiction string `json:"jurisdiction,omitempty"`
	// Granted and Refused are the category keys, sorted.
	Granted []string `json:"granted"`
	Refused []string `json:"refused"`
	// GPC and DNT are the privacy signals sent with the decision.
	GPC bool `json:"gpc"`
	DNT bool `json:"dnt"`
	// CollectionMethod is how the choice was made: accept_all,
	// reject_all or custom.
	CollectionMethod string `json:"collection_method"`
	// Channel is what carried it: "banner" (the script) or "form" (the
	// no-JavaScript form).
	Channel string `json:"channel,omitempty"`
	// PagePath is the path (no query) of the page the choice was made on.
	PagePath string `json:"page_path,omitempty"`
	// NoticeHash is the SHA-256 (hex) of the notice the visitor saw: the
	// banner texts, categories and configuration in their language. The
	// notice itself is kept once per hash (see Notice).
	NoticeHash string `json:"notice_hash"`
	// Language is the banner language shown.
	Language string `json:"language,omitempty"`
	// ValidUntil is when the choice expires and the visitor is asked
	// again.
	ValidUntil time.Time `json:"valid_until"`
	// IP is the visitor's address truncated to its network
	// ("203.0.113.0/24", "2001:db8:1::/48"), or a keyed hash
	// ("hmac:…"), or empty.
	IP string `json:"ip,omitempty"`
	// Browser, OS and Device are families from the User-Agent ("Chrome",
	// "Windows", "desktop"); never versions or the raw header.
	Browser string `json:"browser,omitempty"`
	OS      string `json:"os,omitempty"`
	Device  string `json:"device,omitempty"`
	// Integrity is an HMAC-SHA256 (hex) of the record's other fields,
	// keyed by the operator's key, so an altered record can be told.
	Integrity string `json:"integrity,omitempty"`
}

// Notice is the exact text and configuration a visitor was shown, kept once
// per hash so a record's NoticeHash can be resolved years later.
type Notice struct {
	// Hash is the SHA-256 (hex) of Content.
	Hash string `json:"hash"`
	// PolicyVersion and Language say which notice this is.
	PolicyVersion string `json:"policy_version"`
	Language      string `json:"language"`
	// Content is the banner configuration as JSON: texts, categories,
	// hosts and cookies.
	Content json.RawMessage `json:"content"`
	// FirstSeen is when a store first received it.
	FirstSeen time.Time `json:"first_seen"`
}

// NewNotice returns the notice for content, hashed.
func NewNotice(policyVersion, language string, content []byte) Notice {
	sum := sha256.Sum256(content)
	return Notice{
		Hash:          hex.EncodeToString(sum[:]),
		PolicyVersion: policyVersion,
		Language:      language,
		Content:       json.RawMessage(content),
	}
}

// Seal sets r.Integrity from key. Verify checks it.
func (r *Record) Seal(key []byte) {
	r.Integrity = r.mac(key)
}

// Verify reports whether r.Integrity matches one of keys.
func (r *Record) Verify(keys ...[]byte) bool {
	for _, k := range keys {
		if hmac.Equal([]byte(r.mac(k)), []byte(r.Integrity)) {
			return true
		}
	}
	return false
}

// mac is the HMAC of the record without its Integrity field, over its JSON
// with the time in UTC at microsecond precision (what every store keeps).
func (r Record) mac(key []byte) string {
	r.Integrity = ""
	r.EventTime = r.EventTime.UTC().Truncate(time.Microsecond)
	r.ValidUntil = r.ValidUntil.UTC().Truncate(time.Microsecond)
	b, _ := json.Marshal(r)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

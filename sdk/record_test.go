package sdk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// captureStore is a consentlog.Store that keeps what it is given.
type captureStore struct {
	mu      sync.Mutex
	records []consentlog.Record
	notices map[string]consentlog.Notice
}

func (s *captureStore) Insert(_ context.Context, ns []consentlog.Notice, rs []consentlog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notices == nil {
		s.notices = map[string]consentlog.Notice{}
	}
	for _, n := range ns {
		s.notices[n.Hash] = n
	}
	s.records = append(s.records, rs...)
	return nil
}
func (s *captureStore) Purge(context.Context, time.Time) (int64, error) { return 0, nil }
func (s *captureStore) Find(context.Context, consentlog.Query) ([]consentlog.Record, error) {
	return nil, nil
}
func (s *captureStore) Stats(context.Context, time.Time, time.Time, string) ([]consentlog.DayStat, error) {
	return nil, nil
}
func (s *captureStore) Notice(_ context.Context, h string) (consentlog.Notice, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notices[h]
	return n, ok, nil
}
func (s *captureStore) Ping(context.Context) error { return nil }
func (s *captureStore) Close() error               { return nil }

// fakeObserver counts decisions.
type fakeObserver struct {
	mu        sync.Mutex
	decisions []string
}

func (o *fakeObserver) Decision(m Method, r Regime, granted, refused []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.decisions = append(o.decisions, string(m)+" "+string(r)+" +"+strings.Join(granted, ",")+" -"+strings.Join(refused, ","))
}
func (o *fakeObserver) PageRewritten(map[string]int)       {}
func (o *fakeObserver) CookiesDropped(string, string, int) {}

// loggedConsent returns a Consent logging into a capture store.
func loggedConsent(t *testing.T, o Options) (*Consent, *consentlog.Log, *captureStore) {
	t.Helper()
	st := &captureStore{}
	l, err := consentlog.Open(consentlog.Options{Store: st, SpoolDir: t.TempDir(), Retention: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	o.ConsentLog = l
	return newTestConsent(t, o), l, st
}

func flushLog(t *testing.T, l *consentlog.Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPostWritesConsentRecord(t *testing.T) {
	obs := &fakeObserver{}
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	c, l, st := loggedConsent(t, Options{PolicyVersion: "2022-08", Observer: obs, Now: func() time.Time { return now },
		Sites: []string{"shop.example"}})
	w := post(c, "application/json", `{"action":"custom","categories":["analytics"]}`, map[string]string{
		"Origin": "http://shop.example", "Sec-Fetch-Site": "same-origin",
		"Referer":         "http://shop.example/phones/x1?email=someone@example.com",
		"Accept-Language": "de-DE,de;q=0.9",
		"User-Agent":      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
		"Sec-GPC":         "1",
	})
	if w.Code != 200 {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	s := decodeState(t, w)
	flushLog(t, l)
	if len(st.records) != 1 {
		t.Fatalf("%d records, want 1", len(st.records))
	}
	r := st.records[0]
	checks := []struct {
		field, got, want string
	}{
		{"subject_id", r.SubjectID, s.ID},
		{"schema_version", r.SchemaVersion, consentlog.SchemaVersion},
		{"event_type", r.EventType, consentlog.EventGiven},
		{"site", r.Site, "shop.example"},
		{"policy_version", r.PolicyVersion, "2022-08"},
		{"regime", r.Regime, "opt-in"},
		{"granted", strings.Join(r.Granted, " "), "analytics necessary"},
		{"refused", strings.Join(r.Refused, " "), "advertising preferences social"},
		{"collection_method", r.CollectionMethod, "custom"},
		{"channel", r.Channel, "banner"},
		{"page_path", r.PagePath, "/phones/x1"},
		{"language", r.Language, "de"},
		{"ip", r.IP, "192.0.2.0/24"}, // httptest's RemoteAddr is 192.0.2.1
		{"browser", r.Browser, "Chrome"},
		{"os", r.OS, "Windows"},
		{"device", r.Device, "desktop"},
		{"event_time", r.EventTime.Format(time.RFC3339), "2026-11-24T09:30:00Z"},
		{"valid_until", r.ValidUntil.Format(time.RFC3339), now.Add(180 * 24 * time.Hour).Format(time.RFC3339)},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.field, ck.got, ck.want)
		}
	}
	if !r.GPC || r.DNT {
		t.Errorf("signals gpc=%v dnt=%v, want the GPC sent", r.GPC, r.DNT)
	}
	if len(r.RecordID) != 32 || r.RecordID == r.SubjectID {
		t.Errorf("record id %q", r.RecordID)
	}
	if !c.VerifyRecord(r) {
		t.Error("the record's integrity seal does not verify")
	}
	tampered := r
	tampered.Granted = append(slices.Clone(r.Granted), "advertising")
	if c.VerifyRecord(tampered) {
		t.Error("a tampered record verifies")
	}
	// The notice the record names is stored, and is the German banner.
	n, ok := st.notices[r.NoticeHash]
	if !ok {
		t.Fatalf("notice %s not stored", r.NoticeHash)
	}
	sum := sha256.Sum256(n.Content)
	if hex.EncodeToString(sum[:]) != r.NoticeHash || n.Language != "de" || n.PolicyVersion != "2022-08" {
		t.Errorf("notice %s: language %q version %q, hash of content %x", n.Hash, n.Language, n.PolicyVersion, sum)
	}
	var content struct {
		Banner json.RawMessage `json:"banner"`
	}
	if err := json.Unmarshal(n.Content, &content); err != nil || !strings.Contains(string(content.Banner), "Statistik") {
		t.Errorf("the notice should carry the German banner texts: %.200s", n.Content)
	}
	if len(obs.decisions) != 1 || obs.decisions[0] != "custom opt-in +analytics,necessary -advertising,preferences,social" {
		t.Errorf("observer saw %q", obs.decisions)
	}
}

func TestConsentRecordNeverHoldsFullIPOrUA(t *testing.T) {
	ua := "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	for _, tc := range []struct {
		mode   IPMode
		remote string
		want   string
	}{
		{IPTruncate, "203.0.113.77:4000", "203.0.113.0/24"},
		{IPTruncate, "[2001:db8:abcd:12::1]:4000", "2001:db8:abcd::/48"},
		{IPTruncate, "[::ffff:198.51.100.9]:4000", "198.51.100.0/24"},
		{IPOff, "203.0.113.77:4000", ""},
		{IPHash, "203.0.113.77:4000", "hmac:"},
	} {
		c, l, st := loggedConsent(t, Options{LogIP: tc.mode})
		r := postRequest("application/json", `{"action":"reject_all"}`)
		r.RemoteAddr = tc.remote
		r.Header.Set("User-Agent", ua)
		serveReq(c, r)
		flushLog(t, l)
		rec := st.records[0]
		if tc.mode == IPHash {
			if !strings.HasPrefix(rec.IP, "hmac:") || len(rec.IP) != 5+32 || strings.Contains(rec.IP, "203") {
				t.Errorf("hash mode: ip %q", rec.IP)
			}
		} else if rec.IP != tc.want {
			t.Errorf("%s %s: ip %q, want %q", tc.mode, tc.remote, rec.IP, tc.want)
		}
		js, _ := json.Marshal(rec)
		for _, leak := range []string{"203.0.113.77", "198.51.100.9", "abcd:12", "18_1", "605.1.15", "iPhone OS"} {
			if strings.Contains(string(js), leak) {
				t.Errorf("record leaks %q: %s", leak, js)
			}
		}
		if rec.Device != "mobile" || rec.OS != "iOS" || rec.EventType != consentlog.EventRefused {
			t.Errorf("device %q os %q event %q", rec.Device, rec.OS, rec.EventType)
		}
	}
}

func TestConsentRecordIPHashIsStableAndKeyed(t *testing.T) {
	a := newTestConsent(t, Options{LogIP: IPHash})
	b := newTestConsent(t, Options{LogIP: IPHash, Keys: []KeyPair{{Hash: []byte(strings.Repeat("k", 32))}}})
	r := postRequest("application/json", `{}`)
	r.RemoteAddr = "203.0.113.77:1"
	if a.logIP(r) != a.logIP(r) || a.logIP(r) == b.logIP(r) {
		t.Errorf("hash should be stable per key and differ across keys: %q %q", a.logIP(r), b.logIP(r))
	}
	a.opts.ClientIP = func(*http.Request) netip.Addr { return netip.MustParseAddr("198.51.100.1") }
	if a.logIP(r) == b.logIP(r) {
		t.Error("ClientIP is ignored")
	}
}

func TestConsentRecordEventTypes(t *testing.T) {
	// A minute between steps: the same choice twice within seconds is one
	// record (TestDecisionRepeatCollapsed), a minute apart it is two.
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	c, l, st := loggedConsent(t, Options{Now: func() time.Time { return now }})
	var cookie string
	steps := []struct{ body, want string }{
		{`{"action":"custom","categories":["analytics","social"]}`, consentlog.EventGiven},
		{`{"action":"accept_all"}`, consentlog.EventUpdated},
		{`{"action":"custom","categories":["analytics"]}`, consentlog.EventWithdrawn},
		{`{"action":"reject_all"}`, consentlog.EventWithdrawn},
		{`{"action":"reject_all"}`, consentlog.EventUpdated},
	}
	for i, step := range steps {
		now = now.Add(time.Minute)
		r := postRequest("application/json", step.body)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		r.Header.Set("Referer", "http://shop.example/")
		w := serveReq(c, r)
		if w.Code != 200 {
			t.Fatalf("step %d: %d", i, w.Code)
		}
		cookie = strings.Split(w.Header().Get("Set-Cookie"), ";")[0]
		flushLog(t, l)
		if got := st.records[i].EventType; got != step.want {
			t.Errorf("step %d (%s): event %q, want %q", i, step.body, got, step.want)
		}
		if st.records[i].SubjectID != st.records[0].SubjectID {
			t.Errorf("step %d: the subject id changed", i)
		}
	}
}

func TestFormPostRecordsChannelAndReturnPath(t *testing.T) {
	c, l, st := loggedConsent(t, Options{})
	w := post(c, "application/x-www-form-urlencoded", "action=accept_all&return=/support/faq?q=1", nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("form post: %d", w.Code)
	}
	flushLog(t, l)
	if r := st.records[0]; r.Channel != "form" || r.PagePath != "/support/faq" || r.EventType != consentlog.EventGiven {
		t.Errorf("channel %q page %q event %q", r.Channel, r.PagePath, r.EventType)
	}
}

func TestBadPostWritesNoRecord(t *testing.T) {
	c, l, st := loggedConsent(t, Options{})
	post(c, "application/json", `{"action":"maybe"}`, nil)
	post(c, "application/json", `{"action":"accept_all"}`, map[string]string{"Origin": "http://evil.example"})
	flushLog(t, l)
	if len(st.records) != 0 {
		t.Errorf("refused posts wrote %d records", len(st.records))
	}
}

func postRequest(contentType, body string) *http.Request {
	r, _ := http.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.RemoteAddr = "192.0.2.1:1234"
	return r
}

func serveReq(c *Consent, r *http.Request) *httptest.ResponseRecorder { return serve(c, r) }

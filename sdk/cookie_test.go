package sdk

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var (
	testHash  = bytes.Repeat([]byte("h"), 64)
	testBlock = bytes.Repeat([]byte("b"), 32)
)

// newTestConsent returns a Consent with fixed keys and clock.
func newTestConsent(t *testing.T, o Options) *Consent {
	t.Helper()
	if o.Keys == nil {
		o.Keys = []KeyPair{{Hash: testHash, Block: testBlock}}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// A vendor first seen by the test is listed in the background
	// (vendors_listed.go): done before the next test, whose heap or
	// timing it would otherwise disturb.
	t.Cleanup(c.awaitListing)
	return c
}

// cookieFor encodes a choice into a request cookie header value.
func cookieFor(t testing.TB, c *Consent, ch *choice) *http.Cookie {
	t.Helper()
	v, err := c.codec.Encode(ch)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return &http.Cookie{Name: c.opts.CookieName, Value: v}
}

// acceptAllChoice is a choice of analytics and advertising, made for the
// host httptest.NewRequest uses (example.com), or for c's cookie domain.
func acceptAllChoice(c *Consent) *choice {
	return &choice{ID: "0123456789abcdef0123456789abcdef", Version: c.opts.PolicyVersion, Regime: RegimeOptIn,
		Method: MethodAcceptAll, Time: c.now().Unix(), Granted: []string{Necessary, Analytics, Advertising},
		Site: c.site(httptest.NewRequest("GET", "/", nil))}
}

// shopChoice is acceptAllChoice made on shop.example, the host of the
// attack tests' requests.
func shopChoice(c *Consent) *choice {
	ch := acceptAllChoice(c)
	ch.Site = "shop.example"
	return ch
}

func TestCookieRoundTrip(t *testing.T) {
	c := newTestConsent(t, Options{})
	ch := acceptAllChoice(c)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookieFor(t, c, ch))
	s, got := c.stateFor(r)
	if got == nil || !s.Decided {
		t.Fatalf("cookie did not decode: state %+v", s)
	}
	if s.ID != ch.ID || s.Method != MethodAcceptAll || !s.Allowed(Analytics) || !s.Allowed(Advertising) || s.Allowed(Social) {
		t.Errorf("state = %+v, want the encoded choice", s)
	}
}

func TestCookieEncodedSize(t *testing.T) {
	c := newTestConsent(t, Options{})
	ch := acceptAllChoice(c)
	ch.Granted = []string{Necessary, Preferences, Analytics, Advertising, Social}
	v, err := c.codec.Encode(ch)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) > 1024 {
		t.Errorf("encoded cookie is %d bytes, want well under the 4096-byte limit (≤ 1024)", len(v))
	}
	t.Logf("encrypted consent cookie value: %d bytes", len(v))
}

// TestCookieBadValuesAreNoChoice: anything but a valid cookie of ours is
// "no choice yet", and the page still serves.
func TestCookieBadValuesAreNoChoice(t *testing.T) {
	c := newTestConsent(t, Options{})
	good, err := c.codec.Encode(acceptAllChoice(c))
	if err != nil {
		t.Fatal(err)
	}
	other := newTestConsent(t, Options{Keys: []KeyPair{{Hash: bytes.Repeat([]byte("x"), 32)}}})
	wrongKey, _ := other.codec.Encode(acceptAllChoice(c))

	expired := acceptAllChoice(c)
	expired.Time = c.now().Add(-181 * 24 * time.Hour).Unix()
	oldVersion := acceptAllChoice(c)
	oldVersion.Version = "0"

	tampered := []byte(good)
	tampered[len(tampered)/2] ^= 0x01

	cases := map[string]string{
		"tampered":       string(tampered),
		"wrong key":      wrongKey,
		"expired":        cookieFor(t, c, expired).Value,
		"old policy":     cookieFor(t, c, oldVersion).Value,
		"oversized":      good + strings.Repeat("A", 4000),
		"garbage":        "not-a-cookie",
		"binary":         "\x00\xff\x01",
		"empty":          "",
		"truncated":      good[:len(good)/2],
		"other encoding": "eyJpIjoiYSJ9",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte("<html><head></head><body>ok</body></html>"))
			})
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Cookie", c.opts.CookieName+"="+value)
			w := httptest.NewRecorder()
			c.Handler(page).ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", w.Code)
			}
			s, ch := c.stateFor(r)
			if ch != nil || s.Decided || s.Allowed(Analytics) {
				t.Errorf("state %+v from a %s cookie, want no choice", s, name)
			}
		})
	}
}

func TestCookieKeyRotation(t *testing.T) {
	oldKeys := KeyPair{Hash: bytes.Repeat([]byte("o"), 32), Block: bytes.Repeat([]byte("O"), 16)}
	newKeys := KeyPair{Hash: bytes.Repeat([]byte("n"), 64)}
	before := newTestConsent(t, Options{Keys: []KeyPair{oldKeys}})
	after := newTestConsent(t, Options{Keys: []KeyPair{newKeys, oldKeys}})
	newOnly := newTestConsent(t, Options{Keys: []KeyPair{newKeys}})

	oldValue, _ := before.codec.Encode(acceptAllChoice(before))
	if _, err := after.codec.Decode(oldValue); err != nil {
		t.Errorf("a cookie signed with the old key no longer decodes after rotation: %v", err)
	}
	newValue, _ := after.codec.Encode(acceptAllChoice(after))
	if _, err := newOnly.codec.Decode(newValue); err != nil {
		t.Errorf("after rotation the new key does not encode: %v", err)
	}
	if _, err := before.codec.Decode(newValue); err == nil {
		t.Errorf("a cookie from the new key decodes with only the old key: rotation did not switch encoding keys")
	}
}

func TestCookieBadKeys(t *testing.T) {
	for name, k := range map[string]KeyPair{
		"short hash":  {Hash: []byte("short")},
		"odd block":   {Hash: testHash, Block: []byte("12345")},
		"empty hash":  {},
		"33 hash key": {Hash: bytes.Repeat([]byte("h"), 33)},
	} {
		if _, err := New(Options{Keys: []KeyPair{k}}); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func FuzzCookieDecode(f *testing.F) {
	c, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := c.codec.Encode(acceptAllChoice(c))
	f.Add(good)
	f.Add("")
	f.Add("garbage|||")
	f.Fuzz(func(t *testing.T, v string) {
		ch, err := c.codec.Decode(v)
		if err == nil && v != good && (ch.ID == "" || ch.Time <= 0) {
			t.Errorf("decoded an empty choice from %q", v)
		}
	})
}

// TestGrantedList: the Consent-Categories value equals the sorted granted
// keys, joined.
func TestGrantedList(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, granted := range [][]string{nil, {Necessary}, {Necessary, Social, Analytics}, {Necessary, Preferences, Analytics, Advertising, Social}} {
		ch := acceptAllChoice(c)
		ch.Granted = granted
		s := c.stateFromChoice(ch, Signals{})
		if got, want := c.grantedList(s), strings.Join(s.Granted(), ", "); got != want {
			t.Errorf("grantedList = %q, want %q", got, want)
		}
		if got, want := c.refusesAny(s), len(s.Refused()) > 0; got != want {
			t.Errorf("%v: refusesAny = %v, want %v", granted, got, want)
		}
	}
}

package consentcookie

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type payload struct {
	ID string `json:"i"`
}

func testCodec(t *testing.T, hash byte) *Codec[payload] {
	t.Helper()
	c, err := New("consent", []Key{{Hash: bytes.Repeat([]byte{hash}, 32), Block: bytes.Repeat([]byte("b"), 32)}},
		time.Hour, func(p *payload) error {
			if p.ID == "" {
				return errors.New("no id")
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCodecRoundTrip: a value decodes with its own keys only, a payload
// check refuses an empty payload, and oversized values are refused.
func TestCodecRoundTrip(t *testing.T) {
	c, other := testCodec(t, 'h'), testCodec(t, 'x')
	v, err := c.Encode(&payload{ID: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := c.Decode(v); err != nil || p.ID != "abc" {
		t.Fatalf("Decode = %+v, %v", p, err)
	}
	if _, err := other.Decode(v); err == nil {
		t.Errorf("a value signed with other keys decoded")
	}
	empty, _ := c.Encode(&payload{})
	if _, err := c.Decode(empty); err == nil {
		t.Errorf("an empty payload passed the check")
	}
	if _, err := c.Decode(strings.Repeat("a", MaxValue+1)); err == nil {
		t.Errorf("an oversized value decoded")
	}
	if _, err := New[payload]("consent", []Key{{Hash: []byte("short")}}, time.Hour, nil); err == nil {
		t.Errorf("a 5-byte hash key was accepted")
	}
}

// TestValue: the cookie's value is found as http.Request.Cookie finds it.
func TestValue(t *testing.T) {
	for _, lines := range [][]string{
		{"consent=abc"}, {"a=1; consent=abc; b=2"}, {"a=1;consent=abc"}, {`consent="abc"`},
		{"x=1", "consent=first; consent=second"}, {"consent=first", "consent=second"},
		{"consentx=1; xconsent=2"}, {"consent="}, {"a=1; ; consent=v=w"}, {},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, l := range lines {
			r.Header.Add("Cookie", l)
		}
		want, err := r.Cookie("consent")
		got, ok := Value(r.Header, "consent")
		if ok != (err == nil) || (ok && got != want.Value) {
			t.Errorf("%q: Value = %q, %v; http.Request.Cookie = %v, %v", lines, got, ok, want, err)
		}
	}
}

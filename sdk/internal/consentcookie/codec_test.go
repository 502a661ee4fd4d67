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

// TestValue: the cookie's value is found as http.Request.Cookie finds it,
// and only when the request carries one cookie of the name: two (one
// planted by a sibling subdomain or for a longer path) give none.
func TestValue(t *testing.T) {
	for _, lines := range [][]string{
		{"consent=abc"}, {"a=1; consent=abc; b=2"}, {"a=1;consent=abc"}, {`consent="abc"`},
		{"x=1", "consent=first; consent=second"}, {"consent=first", "consent=second"},
		{"consent=same; consent=same"}, {"consent=a; consent=b; consent=c"},
		{"consentx=1; xconsent=2"}, {"consent="}, {"a=1; ; consent=v=w"}, {},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, l := range lines {
			r.Header.Add("Cookie", l)
		}
		all := r.CookiesNamed("consent")
		want := ""
		if len(all) == 1 {
			want = all[0].Value
		}
		got, n := Value(r.Header, "consent")
		if n != min(len(all), 2) || got != want {
			t.Errorf("%q: Value = %q, %d; http.Request.CookiesNamed = %v", lines, got, n, all)
		}
	}
}

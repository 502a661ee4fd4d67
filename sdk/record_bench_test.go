package sdk

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/sqlite"
)

// BenchmarkPostDecision measures POST /_consent without a consent log and
// with one over a real SQLite file: what logging adds to a decision on the
// request path (the write itself happens on the log's writer).
func BenchmarkPostDecision(b *testing.B) {
	const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	run := func(b *testing.B, c *Consent) {
		h := c.Handler(nil)
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(`{"action":"custom","categories":["analytics"]}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", ua)
			r.Header.Set("Referer", "http://shop.example/phones/x1")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	}
	b.Run("no-log", func(b *testing.B) {
		run(b, newBenchConsent(b, Options{}))
	})
	b.Run("sqlite-log", func(b *testing.B) {
		st, err := sqlite.Open(filepath.Join(b.TempDir(), "consent.db"))
		if err != nil {
			b.Fatal(err)
		}
		l, err := consentlog.Open(consentlog.Options{Store: st, SpoolDir: b.TempDir(), Retention: -1,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close(context.Background())
		run(b, newBenchConsent(b, Options{ConsentLog: l}))
		if err := l.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		if s := l.Stats(); s.Failures > 0 {
			b.Fatalf("log failures: %+v", s)
		}
	})
}

func newBenchConsent(b *testing.B, o Options) *Consent {
	b.Helper()
	o.Keys = []KeyPair{{Hash: testHash, Block: testBlock}}
	o.Logger = slog.New(slog.DiscardHandler)
	c, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

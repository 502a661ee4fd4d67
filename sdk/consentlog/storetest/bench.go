package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// BenchInsert inserts batches of size new records into s, one Insert per
// iteration, and reports records per second.
func BenchInsert(b *testing.B, s consentlog.Store, size int) {
	ctx := context.Background()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for b.Loop() {
		batch := make([]consentlog.Record, size)
		for i := range batch {
			n++
			batch[i] = consentlog.Record{
				RecordID: fmt.Sprintf("%032x", n), SchemaVersion: consentlog.SchemaVersion,
				EventTime: at.Add(time.Duration(n) * time.Millisecond), EventType: consentlog.EventGiven,
				SubjectID: fmt.Sprintf("%032x", n/3), Site: "shop.example", PolicyVersion: "2025-01", Regime: "opt-in",
				Granted: []string{"analytics", "necessary"}, Refused: []string{"ads"}, CollectionMethod: "custom",
				NoticeHash: strings.Repeat("ab", 32), ValidUntil: at.Add(180 * 24 * time.Hour), IP: "203.0.113.0/24",
				Browser: "Chrome", OS: "Windows", Device: "desktop", Integrity: strings.Repeat("cd", 32),
			}
		}
		if err := s.Insert(ctx, nil, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

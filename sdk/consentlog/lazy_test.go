package consentlog

import (
	"context"
	"testing"
	"time"
)

// While a Lazy store's open hangs (the database does not answer), the
// writer's Insert must give up after WriteTimeout and spool, not wait for
// the open.
func TestLazyOpenDoesNotBlockTheWriter(t *testing.T) {
	opening := make(chan struct{}, 8)
	st := Lazy("test", func(ctx context.Context) (Store, error) {
		opening <- struct{}{}
		<-ctx.Done() // the database does not answer
		return nil, ctx.Err()
	})
	l := openTestLog(t, st, t.TempDir(), func(o *Options) {
		o.Retention = 0 // purge at start, as in production
		o.WriteTimeout = 100 * time.Millisecond
	})
	defer closeLog(t, l)
	<-opening // the purge is opening the store
	l.Append(testRecord(1))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := l.Sync(ctx); err != nil {
		t.Fatalf("with WriteTimeout 100ms, Sync should see the record spooled well within 3s: %v", err)
	}
}

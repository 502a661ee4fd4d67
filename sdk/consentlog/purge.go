package consentlog

import (
	"context"
	"time"
)

// purgeTimeout bounds one purge; a store that takes longer is retried at
// the next interval.
const purgeTimeout = 10 * time.Minute

// purgeLoop deletes records older than the retention period, once at start
// and then every PurgeInterval, until the Log closes.
func (l *Log) purgeLoop() {
	if l.o.Retention < 0 {
		<-l.closing
		return
	}
	t := time.NewTicker(l.o.PurgeInterval)
	defer t.Stop()
	for {
		l.purge()
		select {
		case <-t.C:
		case <-l.closing:
			return
		}
	}
}

// purge runs one purge, cancelled when the Log closes.
func (l *Log) purge() {
	ctx, cancel := context.WithTimeout(context.Background(), purgeTimeout)
	defer cancel()
	go func() {
		select {
		case <-l.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	cutoff := l.o.Now().Add(-l.o.Retention)
	n, err := l.store.Purge(ctx, cutoff)
	if err != nil {
		select {
		case <-l.closing:
			return // cancelled by Close
		default:
		}
		l.fail("consent log: purging old records", err, "before", cutoff.UTC().Format(time.RFC3339))
		return
	}
	l.purged.Add(n)
	if n > 0 {
		l.log.Info("consent log: purged records past retention", "records", n, "before", cutoff.UTC().Format(time.RFC3339))
	}
}

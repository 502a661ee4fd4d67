package consentlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Log. Store and SpoolDir are required.
type Options struct {
	// Store receives the records.
	Store Store

	// SpoolDir holds the spool files: records the store could not take
	// yet. It must be on a local disk that survives restarts. Several Logs,
	// in one process or many, may share it: each locks its own files and
	// replays the ones left by Logs that are gone.
	SpoolDir string

	// QueueSize bounds the records waiting in memory. When it is full,
	// Append writes to the spool itself (a disk write, but never a wait on
	// the store). Default: 10000.
	QueueSize int

	// BatchSize caps the records written to the store in one transaction.
	// Default: 500.
	BatchSize int

	// WriteTimeout bounds one write to the store; a slower store counts as
	// down and the batch goes to the spool. Default: 5s.
	WriteTimeout time.Duration

	// RetryMin and RetryMax bound the wait between attempts to replay the
	// spool while the store is down; it doubles from RetryMin up to
	// RetryMax. Defaults: 250ms and 30s.
	RetryMin, RetryMax time.Duration

	// Retention is how long records are kept: older ones are purged.
	// Negative keeps them forever. Default: DefaultRetention (400 days).
	Retention time.Duration

	// PurgeInterval is the time between purges. Default: 1h.
	PurgeInterval time.Duration

	// Logger receives store failures, spool use and purges.
	// Default: slog.Default().
	Logger *slog.Logger

	// Now is the clock for purges. Default: time.Now.
	Now func() time.Time
}

// DefaultRetention is how long records are kept unless configured: 400
// days, a little over a year, the longest a consent cookie can live.
const DefaultRetention = 400 * 24 * time.Hour

// Log appends records to a Store through a bounded queue and a spool, and
// purges old records. It is safe for concurrent use.
type Log struct {
	o     Options
	log   *slog.Logger
	store Store
	spool *spool
	queue chan item

	notesMu sync.Mutex
	notices map[string]Notice // registered notices, by hash
	stored  map[string]bool   // notice hashes the store holds (writer only)

	// mu orders Append and Sync against Close: they send to the queue
	// under the read lock, Close sets closed under the write lock, so the
	// writer's final drain sees every record sent before it.
	mu        sync.RWMutex
	closed    bool
	closeOnce sync.Once
	closing   chan struct{}
	done      chan struct{} // closed when the writer and purger have stopped
	// ctx ends store calls in flight when Close runs out of time.
	ctx    context.Context
	cancel context.CancelFunc

	written, spooled, replayed, failures, purged, overflowed, damaged, rejected atomic.Int64
	storeDown                                                                   atomic.Bool
	lastErr                                                                     atomic.Value // string
}

// item is one queue entry: a record, or a sync marker.
type item struct {
	rec  Record
	sync chan error
}

// Open starts a Log. Spool files left by earlier runs are adopted and
// replayed before new records are written.
func Open(o Options) (*Log, error) {
	if o.Store == nil {
		return nil, errors.New("consent log: no store")
	}
	if o.SpoolDir == "" {
		return nil, errors.New("consent log: no spool directory")
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 10000
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 250 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = max(30*time.Second, o.RetryMin)
	}
	if o.RetryMax < o.RetryMin {
		return nil, fmt.Errorf("consent log: RetryMax %v is below RetryMin %v", o.RetryMax, o.RetryMin)
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.PurgeInterval <= 0 {
		o.PurgeInterval = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	sp, err := openSpool(o.SpoolDir)
	if err != nil {
		return nil, err
	}
	l := &Log{
		o:       o,
		log:     o.Logger,
		store:   o.Store,
		spool:   sp,
		queue:   make(chan item, o.QueueSize),
		notices: map[string]Notice{},
		stored:  map[string]bool{},
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	if b, _ := sp.size(); b > 0 {
		l.log.Info("consent log: replaying records spooled by an earlier run", "spool", o.SpoolDir, "bytes", b)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.write() }()
	go func() { defer wg.Done(); l.purgeLoop() }()
	go func() { wg.Wait(); close(l.done) }()
	return l, nil
}

// Store returns the Log's store, for queries.
func (l *Log) Store() Store { return l.store }

// AddNotice registers a notice that records may name by hash. It is
// written to the store (or the spool) with the first batch that needs it.
func (l *Log) AddNotice(n Notice) {
	l.notesMu.Lock()
	defer l.notesMu.Unlock()
	l.notices[n.Hash] = n
}

// Append queues r. It never waits for the store: when the queue is full,
// r goes straight to the spool. After Close (a request still running on
// an old configuration), r is written to a spool file of its own that the
// next Log on the directory replays. Only when even the spool fails is r
// lost, and logged as such.
func (l *Log) Append(r Record) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		if err := l.spool.appendDetached(l.noticesFor([]Record{r}), []Record{r}); err != nil {
			l.fail("consent log: closed, and the spool failed; record lost", err, "record_id", r.RecordID)
			return
		}
		l.spooled.Add(1)
		return
	}
	select {
	case l.queue <- item{rec: r}:
		return
	default:
	}
	l.overflowed.Add(1)
	if err := l.spool.append(l.noticesFor([]Record{r}), []Record{r}); err != nil {
		l.fail("consent log: queue full and spool failed; record lost", err, "record_id", r.RecordID)
		return
	}
	l.spooled.Add(1)
}

// Sync waits until every record appended before it is in the store or in
// the spool on disk.
func (l *Log) Sync(ctx context.Context) error {
	ch := make(chan error, 1)
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return errClosed
	}
	select {
	case l.queue <- item{sync: ch}:
		l.mu.RUnlock()
	case <-ctx.Done():
		l.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued to the store (or, when the store is down,
// to the spool), stops the writer and the purger and closes the store.
// Spooled records stay on disk for the next Open. When ctx ends first,
// the store calls in flight are cancelled and what is still queued goes to
// the spool; Close then returns ctx's error.
func (l *Log) Close(ctx context.Context) error {
	var err error
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		close(l.closing)
		l.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			l.cancel()
			<-l.done // the writer spools what is left: local disk only
			err = fmt.Errorf("consent log: closing: %w", ctx.Err())
		}
		l.cancel()
		err = errors.Join(err, l.spool.close(), l.store.Close())
	})
	return err
}

// Stats is a snapshot of a Log's state, for metrics and health checks.
type Stats struct {
	// Queued is the number of records waiting in memory; QueueCapacity
	// the most there can be.
	Queued, QueueCapacity int
	// SpoolBytes and SpoolRecords are what the spool holds, waiting for
	// the store, files left by an earlier run included.
	SpoolBytes, SpoolRecords int64
	// Written counts records the store took directly, Replayed those it
	// took from the spool (a replay cut short by a crash counts its records
	// again), Spooled those written to the spool, Overflowed those spooled
	// because the queue was full, Purged those deleted for age, Damaged
	// spool lines skipped as unreadable.
	Written, Replayed, Spooled, Overflowed, Purged, Damaged int64
	// Rejected counts records the store refused while answering (bad data,
	// not an outage); they are kept in rejected-* files in the spool
	// directory for an operator, not replayed.
	Rejected int64
	// Failures counts failed store writes and purges.
	Failures int64
	// StoreDown is true from a failed write until a write succeeds.
	StoreDown bool
	// LastError is the latest failure's message.
	LastError string
}

// Stats returns the Log's counters.
func (l *Log) Stats() Stats {
	b, n := l.spool.size()
	s := Stats{
		Queued: len(l.queue), QueueCapacity: cap(l.queue),
		SpoolBytes: b, SpoolRecords: n,
		Written: l.written.Load(), Replayed: l.replayed.Load(), Spooled: l.spooled.Load(),
		Overflowed: l.overflowed.Load(), Purged: l.purged.Load(), Damaged: l.damaged.Load(), Rejected: l.rejected.Load(),
		Failures: l.failures.Load(), StoreDown: l.storeDown.Load(),
	}
	s.LastError, _ = l.lastErr.Load().(string)
	return s
}

// fail logs and counts a failure.
func (l *Log) fail(msg string, err error, args ...any) {
	l.failures.Add(1)
	l.lastErr.Store(err.Error())
	l.log.Error(msg, append(args, "error", err)...)
}

// noticesFor returns the registered notices the records name.
func (l *Log) noticesFor(records []Record) map[string]Notice {
	l.notesMu.Lock()
	defer l.notesMu.Unlock()
	m := map[string]Notice{}
	for _, r := range records {
		if n, ok := l.notices[r.NoticeHash]; ok {
			m[n.Hash] = n
		}
	}
	return m
}

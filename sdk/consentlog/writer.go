package consentlog

import (
	"bufio"
	"context"
	"errors"
	"time"
)

// adoptEvery is how often the writer looks for spool files left by Logs
// that are gone (another instance sharing the directory that stopped).
const adoptEvery = time.Minute

// write is the writer goroutine: it drains the queue in batches into the
// store, or into the spool while the store is down or the spool still
// holds older records, and replays the spool when the store answers.
func (l *Log) write() {
	w := &writer{Log: l, backoff: l.o.RetryMin, buf: bufio.NewReaderSize(nil, maxSpoolLine)}
	retry := time.NewTimer(0)
	defer retry.Stop()
	adopt := time.NewTicker(adoptEvery)
	defer adopt.Stop()
	batch := make([]Record, 0, l.o.BatchSize)
	for {
		var retryC <-chan time.Time
		if l.spool.pending() {
			retry.Reset(max(time.Until(w.retryAt), 0))
			retryC = retry.C
		}
		var syncs []chan error
		select {
		case it := <-l.queue:
			batch, syncs = addItem(batch, syncs, it)
		case <-retryC:
			w.replay()
			continue
		case <-adopt.C:
			if n, err := l.spool.adopt(); err != nil {
				l.fail("consent log: looking for abandoned spool files", err)
			} else if n > 0 {
				l.log.Info("consent log: adopted spool files left by a stopped instance", "files", n)
			}
			continue
		case <-l.closing:
			w.drain()
			return
		}
	fill:
		for len(batch) < l.o.BatchSize && len(syncs) == 0 {
			select {
			case it := <-l.queue:
				batch, syncs = addItem(batch, syncs, it)
			default:
				break fill
			}
		}
		err := w.flush(batch)
		for _, ch := range syncs {
			ch <- err
		}
		batch = batch[:0]
	}
}

// addItem adds a queue item to the batch or, for a sync marker, to syncs.
func addItem(batch []Record, syncs []chan error, it item) ([]Record, []chan error) {
	if it.sync != nil {
		return batch, append(syncs, it.sync)
	}
	return append(batch, it.rec), syncs
}

// writer is the writer goroutine's state.
type writer struct {
	*Log
	backoff time.Duration // wait before the next replay attempt
	retryAt time.Time     // earliest next replay attempt
	buf     *bufio.Reader // reads spool files during replays
}

// flush writes a batch to the store, or to the spool when the store fails
// or older records wait there (so the store receives them in order). It
// returns an error only when records were lost.
func (w *writer) flush(batch []Record) error {
	if len(batch) == 0 {
		return nil
	}
	if w.spool.pending() {
		err := w.spool.append(w.noticesFor(batch), batch)
		if err == nil {
			w.spooled.Add(int64(len(batch)))
		} else if ierr := w.insertChecked(nil, batch); ierr == nil {
			// The spool disk failed but the store answers: out of order
			// beats lost.
			w.written.Add(int64(len(batch)))
			err = nil
		} else {
			w.fail("consent log: store and spool both failed; records lost", errors.Join(err, ierr), "records", len(batch))
		}
		if !time.Now().Before(w.retryAt) {
			w.replay()
		}
		return err
	}
	if err := w.insertChecked(nil, batch); err != nil {
		w.storeFailed(err, len(batch))
		return w.toSpool(batch)
	}
	w.written.Add(int64(len(batch)))
	w.storeDown.Store(false)
	return nil
}

// toSpool appends records to the spool; if even that fails, the records
// are lost and the error says so.
func (w *writer) toSpool(batch []Record) error {
	if err := w.spool.append(w.noticesFor(batch), batch); err != nil {
		w.fail("consent log: store and spool both failed; records lost", err, "records", len(batch))
		return err
	}
	w.spooled.Add(int64(len(batch)))
	return nil
}

// insertChecked inserts a batch. When the store refuses the data
// (ErrRefused: a record it can never hold), retrying would never end: it
// inserts the records one at a time and sets aside those refused in a
// rejected-* file (quarantine), so one bad record cannot hold back the
// rest. Every other error is an outage and returned.
func (w *writer) insertChecked(notices []Notice, batch []Record) error {
	err := w.insert(notices, batch)
	if err == nil || !errors.Is(err, ErrRefused) {
		return err
	}
	var bad []Record
	var last error
	for i := range batch {
		if err := w.insert(notices, batch[i:i+1]); err != nil {
			if !errors.Is(err, ErrRefused) {
				return err // an outage meanwhile
			}
			bad, last = append(bad, batch[i]), err
		}
	}
	if len(bad) > 0 {
		w.quarantine(bad, last)
	}
	return nil
}

// quarantine keeps records the store refuses in a file of their own.
func (w *writer) quarantine(bad []Record, cause error) {
	ids := make([]string, len(bad))
	for i, r := range bad {
		ids[i] = r.RecordID
	}
	path, err := w.spool.writeQuarantine(bad)
	if err != nil {
		w.fail("consent log: the store refuses these records and the quarantine file failed; records lost", errors.Join(cause, err), "records", ids)
		return
	}
	w.rejected.Add(int64(len(bad)))
	w.fail("consent log: the store refuses these records; kept in a quarantine file for an operator", cause, "records", ids, "file", path)
}

// storeFailed records a failed write and schedules the next attempt.
func (w *writer) storeFailed(err error, n int) {
	if !w.storeDown.Swap(true) {
		w.fail("consent log: store write failed; spooling to disk until it recovers", err, "records", n, "spool", w.o.SpoolDir)
	} else {
		w.failures.Add(1)
		w.lastErr.Store(err.Error())
		w.log.Debug("consent log: store still failing", "error", err)
	}
	w.retryAt = time.Now().Add(w.backoff)
	w.backoff = min(w.backoff*2, w.o.RetryMax)
}

// insert writes notices and records to the store within WriteTimeout,
// adding the registered notices the records name that the store may not
// hold yet.
func (w *writer) insert(notices []Notice, records []Record) error {
	for h, n := range w.noticesFor(records) {
		if !w.stored[h] {
			notices = append(notices, n)
		}
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.o.WriteTimeout)
	defer cancel()
	if err := w.store.Insert(ctx, notices, records); err != nil {
		return err
	}
	for _, n := range notices {
		w.stored[n.Hash] = true
	}
	return nil
}

// replay writes the spool to the store, oldest file first, removing each
// file once the store holds all of it. The active file is sealed (later
// records start a new one) only once the older files are through, so an
// outage leaves at most two files however many attempts it sees. On a
// failure replay stops and backs off.
func (w *writer) replay() {
	sealed := false
	for {
		sf := w.spool.next()
		if sf == nil {
			if sealed || !w.spool.seal() {
				break
			}
			sealed = true
			continue
		}
		sr, err := newSpoolReader(sf.f, sf.done, w.buf)
		if err != nil {
			w.fail("consent log: reading spool", err, "file", sf.path)
			w.storeFailedQuietly()
			return
		}
		for {
			select {
			case <-w.closing:
				return // the rest waits for the next run
			default:
			}
			notices, records, eof, err := sr.chunk(w.o.BatchSize)
			if err != nil {
				w.fail("consent log: reading spool", err, "file", sf.path)
				w.storeFailedQuietly()
				return
			}
			if len(records) > 0 || len(notices) > 0 {
				if err := w.insertChecked(notices, records); err != nil {
					w.storeFailed(err, len(records))
					return
				}
				w.replayed.Add(int64(len(records)))
			}
			sf.done = sr.offset
			if eof {
				break
			}
		}
		if sr.bad > 0 {
			w.damaged.Add(int64(sr.bad))
			w.fail("consent log: skipped damaged spool lines", errBadLine, "file", sf.path, "lines", sr.bad)
		}
		if err := w.spool.remove(sf); err != nil {
			w.fail("consent log: removing a replayed spool file", err, "file", sf.path)
		}
	}
	if w.storeDown.Swap(false) {
		w.log.Info("consent log: store recovered; spool replayed")
	}
	w.backoff = w.o.RetryMin
	w.retryAt = time.Time{}
}

// storeFailedQuietly backs off after a spool read error.
func (w *writer) storeFailedQuietly() {
	w.retryAt = time.Now().Add(w.backoff)
	w.backoff = min(w.backoff*2, w.o.RetryMax)
}

// drain writes everything queued at Close to the store, or to the spool
// when the store fails or older records wait there; the spool is left for
// the next run.
func (w *writer) drain() {
	batch := make([]Record, 0, w.o.BatchSize)
	var syncs []chan error
	for {
		select {
		case it := <-w.queue:
			batch, syncs = addItem(batch, syncs, it)
			if len(batch) < w.o.BatchSize {
				continue
			}
		default:
		}
		err := w.flush(batch)
		for _, ch := range syncs {
			ch <- err
		}
		if len(batch) == 0 {
			break
		}
		batch, syncs = batch[:0], nil
	}
}

// errClosed is returned for work asked of a closed Log.
var errClosed = errors.New("consent log: closed")

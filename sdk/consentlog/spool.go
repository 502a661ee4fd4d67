package consentlog

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// A spool is a directory of append-only files holding the records a store
// could not take yet. Each line is "<crc32c, 8 hex digits> <JSON>\n", the
// JSON being {"n": Notice} or {"r": Record}; a notice line comes before the
// first record in the file that names it (spoolfile.go). A file is written
// by one Log only, which holds an exclusive lock on it for as long as it has
// it open, so Logs in other processes (or a later run of this one) can tell
// a live file from one left behind and replay only the latter.
//
// The Log appends to its active file; to replay, it seals the active file
// (later appends start a new one) and replays sealed files oldest first,
// removing each once the store holds all of it. A write that fails part-way
// seals the file too, after cutting off what it wrote, so a torn line never
// runs into the next record.

const (
	spoolPrefix = "spool-"
	spoolSuffix = ".log"
	// rejectedPrefix names the files of records the store refused while
	// answering (see writer.quarantine); they are kept, not replayed.
	rejectedPrefix = "rejected-"
	// maxSpoolLine bounds one line; a notice is a few KiB, a record less.
	maxSpoolLine = 4 << 20
)

// spoolFile is one spool file this Log holds locked.
type spoolFile struct {
	path    string
	f       *os.File
	size    int64
	records int64
	notices map[string]bool // notice hashes written to this file
	done    int64           // offset up to which a replay has stored the file
}

// spool is the set of spool files a Log owns: the active one and the sealed
// ones waiting for replay (its own, and those adopted from earlier runs).
type spool struct {
	dir string

	mu     sync.Mutex
	active *spoolFile
	sealed []*spoolFile // oldest first
	bytes  int64        // total size of active and sealed files
	count  int64        // records in them, as written (replays may repeat)
}

// openSpool creates dir if needed and adopts the spool files in it that no
// live Log holds.
func openSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("consent log spool: %w", err)
	}
	s := &spool{dir: dir}
	if _, err := s.adopt(); err != nil {
		return nil, err
	}
	return s, nil
}

// adopt takes over the files in the directory that no live Log holds (left
// by a process that stopped with records unsent) and queues them for
// replay, oldest first. It reports how many it adopted.
func (s *spool) adopt() (int, error) {
	names, err := filepath.Glob(filepath.Join(s.dir, spoolPrefix+"*"+spoolSuffix))
	if err != nil {
		return 0, err
	}
	slices.Sort(names) // names start with a fixed-width timestamp
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, name := range names {
		if s.owns(name) {
			continue
		}
		f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND, 0)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // replayed and removed by another Log meanwhile
			}
			return n, fmt.Errorf("consent log spool: %w", err)
		}
		if err := lockFile(f); err != nil {
			f.Close() // held by a live Log
			continue
		}
		st, err := f.Stat()
		if cur, cerr := os.Stat(name); err != nil || cerr != nil || !os.SameFile(st, cur) {
			// Removed between the listing and the lock: already replayed.
			unlockFile(f)
			f.Close()
			continue
		}
		sf := &spoolFile{path: name, f: f, size: st.Size(), records: countRecords(f)}
		s.sealed = append(s.sealed, sf)
		s.bytes += sf.size
		s.count += sf.records
		n++
	}
	slices.SortFunc(s.sealed, func(a, b *spoolFile) int { return strings.Compare(a.path, b.path) })
	return n, nil
}

// owns reports whether path is one of the Log's files. Callers hold s.mu.
func (s *spool) owns(path string) bool {
	if s.active != nil && s.active.path == path {
		return true
	}
	for _, sf := range s.sealed {
		if sf.path == path {
			return true
		}
	}
	return false
}

// append writes notices (those not yet in the active file) and records to
// the active file and syncs it to disk before it returns.
func (s *spool) append(notices map[string]Notice, records []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		sf, err := s.create(spoolPrefix)
		if err != nil {
			return err
		}
		s.active = sf
	}
	sf := s.active
	buf, written, err := encodeBatch(sf.notices, notices, records)
	if err != nil {
		return err
	}
	if err := writeSync(sf.f, buf); err != nil {
		// Cut off what was written, and start the next append in a new
		// file either way, so a torn line cannot swallow the next record.
		_ = sf.f.Truncate(sf.size)
		s.retireActive()
		return fmt.Errorf("consent log spool %s: %w", sf.path, err)
	}
	for h := range written {
		sf.notices[h] = true
	}
	sf.size += int64(len(buf))
	sf.records += int64(len(records))
	s.bytes += int64(len(buf))
	s.count += int64(len(records))
	return nil
}

// retireActive seals the active file after a failed write (or drops it when
// empty), so the next append starts a new one. Callers hold s.mu.
func (s *spool) retireActive() {
	sf := s.active
	s.active = nil
	if sf.size > 0 {
		s.sealed = append(s.sealed, sf)
		return
	}
	os.Remove(sf.path)
	unlockFile(sf.f)
	sf.f.Close()
}

// appendDetached writes records to a file of their own and releases it at
// once, for any Log to adopt: what Append does after Close.
func (s *spool) appendDetached(notices map[string]Notice, records []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sf, err := s.create(spoolPrefix)
	if err != nil {
		return err
	}
	defer func() {
		unlockFile(sf.f)
		sf.f.Close()
	}()
	buf, _, err := encodeBatch(sf.notices, notices, records)
	if err == nil {
		err = writeSync(sf.f, buf)
	}
	if err != nil {
		os.Remove(sf.path)
		return fmt.Errorf("consent log spool %s: %w", sf.path, err)
	}
	return nil
}

// writeQuarantine writes records the store refuses to a rejected-* file,
// which no Log replays: an operator inspects it.
func (s *spool) writeQuarantine(records []Record) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sf, err := s.create(rejectedPrefix)
	if err != nil {
		return "", err
	}
	defer func() {
		unlockFile(sf.f)
		sf.f.Close()
	}()
	buf, _, err := encodeBatch(nil, nil, records)
	if err == nil {
		err = writeSync(sf.f, buf)
	}
	return sf.path, err
}

// encodeBatch encodes records, each preceded by its notice when the file
// does not hold it yet (have); written lists the notices it added.
func encodeBatch(have map[string]bool, notices map[string]Notice, records []Record) ([]byte, map[string]bool, error) {
	var buf bytes.Buffer
	written := map[string]bool{}
	for _, r := range records {
		if n, ok := notices[r.NoticeHash]; ok && !have[n.Hash] && !written[n.Hash] {
			if err := encodeLine(&buf, spoolLine{Notice: &n}); err != nil {
				return nil, nil, err
			}
			written[n.Hash] = true
		}
		if err := encodeLine(&buf, spoolLine{Record: &r}); err != nil {
			return nil, nil, err
		}
	}
	return buf.Bytes(), written, nil
}

func writeSync(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}

// create makes a new locked file with the given name prefix and syncs the
// directory, so the file survives a crash. The file is created and locked
// under a name adopt does not look at, then renamed, so no other Log can
// adopt it before it is locked. Callers hold s.mu.
func (s *spool) create(prefix string) (*spoolFile, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s%020d-%s%s", prefix, time.Now().UnixNano(), hex.EncodeToString(rnd[:]), spoolSuffix)
	path := filepath.Join(s.dir, name)
	tmp := filepath.Join(s.dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("consent log spool: %w", err)
	}
	fail := func(err error) (*spoolFile, error) {
		unlockFile(f)
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("consent log spool %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if err := syncDir(s.dir); err != nil {
		return fail(err)
	}
	return &spoolFile{path: path, f: f, notices: map[string]bool{}}, nil
}

// seal closes the active file to appends and queues it for replay. It
// reports false when there was nothing to seal.
func (s *spool) seal() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil || s.active.size == 0 {
		return false
	}
	s.sealed = append(s.sealed, s.active)
	s.active = nil
	return true
}

// pending reports whether any spool file holds records not yet replayed.
func (s *spool) pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sealed) > 0 || (s.active != nil && s.active.size > 0)
}

// next returns the oldest sealed file, or nil.
func (s *spool) next() *spoolFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sealed) == 0 {
		return nil
	}
	return s.sealed[0]
}

// remove deletes a fully replayed sealed file. When the file cannot be
// deleted it stays sealed, marked as replayed, and the next replay tries
// again without sending its records twice.
func (s *spool) remove(sf *spoolFile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(sf.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		sf.done = sf.size
		return fmt.Errorf("consent log spool: %w", err)
	}
	s.sealed = slices.DeleteFunc(s.sealed, func(x *spoolFile) bool { return x == sf })
	s.bytes -= sf.size
	s.count -= sf.records
	unlockFile(sf.f)
	sf.f.Close()
	return syncDir(s.dir)
}

// size returns the bytes and records held in spool files.
func (s *spool) size() (bytes, records int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, s.count
}

// close releases the Log's files, leaving their content for a later run or
// another Log sharing the directory. An empty active file is removed.
func (s *spool) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	files := s.sealed
	if s.active != nil {
		if s.active.size == 0 {
			errs = append(errs, os.Remove(s.active.path))
		}
		files = append(files, s.active)
	}
	for _, sf := range files {
		unlockFile(sf.f)
		errs = append(errs, sf.f.Close())
	}
	s.active, s.sealed = nil, nil
	return errors.Join(errs...)
}

// countRecords counts the record lines of a spool file, for the spool's
// size when adopting it.
func countRecords(f *os.File) int64 {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0
	}
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxSpoolLine)
	for sc.Scan() {
		if l := sc.Bytes(); len(l) > 14 && bytes.HasPrefix(l[9:], []byte(`{"r":`)) {
			n++
		}
	}
	return n
}

package consentlog

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// A spool is a directory of append-only files holding the records a store
// could not take yet. Each line is "<crc32c, 8 hex digits> <JSON>\n", the
// JSON being {"n": Notice} or {"r": Record}; a notice line comes before the
// first record in the file that names it. A file is written by one Log only,
// which holds an exclusive lock on it for as long as it has it open, so
// Logs on other processes (or a later run of this one) can tell a live file
// from one left behind and replay only the latter.
//
// The Log appends to its active file; to replay, it seals the active file
// (later appends start a new one) and replays sealed files oldest first,
// removing each once the store holds all of it.

const (
	spoolPrefix = "spool-"
	spoolSuffix = ".log"
	// maxSpoolLine bounds one line; a notice is a few KiB, a record less.
	maxSpoolLine = 4 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// spoolLine is the JSON of one spool line.
type spoolLine struct {
	Notice *Notice `json:"n,omitempty"`
	Record *Record `json:"r,omitempty"`
}

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
		sf := &spoolFile{path: name, f: f, size: st.Size(), records: -1}
		s.sealed = append(s.sealed, sf)
		s.bytes += sf.size
		n++
	}
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
		sf, err := s.create()
		if err != nil {
			return err
		}
		s.active = sf
	}
	sf := s.active
	var buf bytes.Buffer
	for _, r := range records {
		if n, ok := notices[r.NoticeHash]; ok && !sf.notices[n.Hash] {
			if err := encodeLine(&buf, spoolLine{Notice: &n}); err != nil {
				return err
			}
			sf.notices[n.Hash] = true
		}
		if err := encodeLine(&buf, spoolLine{Record: &r}); err != nil {
			return err
		}
	}
	if _, err := sf.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("consent log spool %s: %w", sf.path, err)
	}
	if err := sf.f.Sync(); err != nil {
		return fmt.Errorf("consent log spool %s: %w", sf.path, err)
	}
	sf.size += int64(buf.Len())
	sf.records += int64(len(records))
	s.bytes += int64(buf.Len())
	s.count += int64(len(records))
	return nil
}

// create makes a new locked spool file and syncs the directory, so the
// file survives a crash. Callers hold s.mu.
func (s *spool) create() (*spoolFile, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s%020d-%s%s", spoolPrefix, time.Now().UnixNano(), hex.EncodeToString(rnd[:]), spoolSuffix)
	path := filepath.Join(s.dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("consent log spool: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("consent log spool %s: lock: %w", path, err)
	}
	if err := syncDir(s.dir); err != nil {
		unlockFile(f)
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("consent log spool: %w", err)
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

// remove deletes a fully replayed sealed file.
func (s *spool) remove(sf *spoolFile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sealed = slices.DeleteFunc(s.sealed, func(x *spoolFile) bool { return x == sf })
	s.bytes -= sf.size
	if sf.records > 0 {
		s.count -= sf.records
	}
	err := os.Remove(sf.path)
	unlockFile(sf.f)
	sf.f.Close()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("consent log spool: %w", err)
	}
	return syncDir(s.dir)
}

// size returns the bytes and records held in spool files. Records of
// adopted files are not counted until they are read.
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

// encodeLine appends one checksummed line to buf.
func encodeLine(buf *bytes.Buffer, l spoolLine) error {
	js, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("consent log spool: encoding: %w", err)
	}
	fmt.Fprintf(buf, "%08x ", crc32.Checksum(js, castagnoli))
	buf.Write(js)
	buf.WriteByte('\n')
	return nil
}

// errBadLine marks a spool line that fails its checksum or does not parse:
// a torn write at the end of a file, or damage.
var errBadLine = errors.New("bad spool line")

// decodeLine parses one line without its newline.
func decodeLine(line []byte) (spoolLine, error) {
	var l spoolLine
	if len(line) < 10 || line[8] != ' ' {
		return l, errBadLine
	}
	want, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil || uint32(want) != crc32.Checksum(line[9:], castagnoli) {
		return l, errBadLine
	}
	if err := json.Unmarshal(line[9:], &l); err != nil || (l.Notice == nil) == (l.Record == nil) {
		return l, errBadLine
	}
	return l, nil
}

// spoolReader reads a spool file's lines from an offset, a chunk at a
// time.
type spoolReader struct {
	r      *bufio.Reader
	offset int64 // of the next line
	bad    int   // lines skipped as damaged
}

func newSpoolReader(f *os.File, offset int64) (*spoolReader, error) {
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	return &spoolReader{r: bufio.NewReaderSize(f, maxSpoolLine), offset: offset}, nil
}

// chunk reads up to max records and the notices before them; eof says the
// file is finished. sr.offset is then the offset after the last line read.
func (sr *spoolReader) chunk(max int) (notices []Notice, records []Record, eof bool, err error) {
	for len(records) < max {
		line, err := sr.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An over-long line: skip to its end.
			n := int64(len(line))
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = sr.r.ReadSlice('\n')
				n += int64(len(line))
			}
			sr.offset += n
			sr.bad++
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) {
				return notices, records, true, nil
			}
			return notices, records, false, err
		}
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				// A torn last line: the write never completed, so the
				// record was never acknowledged to the spool.
				sr.offset += int64(len(line))
				sr.bad++
			}
			return notices, records, true, nil
		}
		if err != nil {
			return notices, records, false, err
		}
		sr.offset += int64(len(line))
		l, derr := decodeLine(bytes.TrimSuffix(line, []byte{'\n'}))
		if derr != nil {
			sr.bad++
			continue
		}
		if l.Notice != nil {
			notices = append(notices, *l.Notice)
		} else {
			records = append(records, *l.Record)
		}
	}
	return notices, records, false, nil
}

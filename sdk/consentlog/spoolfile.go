package consentlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// spoolLine is the JSON of one spool line.
type spoolLine struct {
	Notice *Notice `json:"n,omitempty"`
	Record *Record `json:"r,omitempty"`
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

// newSpoolReader reads f from offset through br, which it resets (one
// buffer serves every replay).
func newSpoolReader(f *os.File, offset int64, br *bufio.Reader) (*spoolReader, error) {
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	br.Reset(f)
	return &spoolReader{r: br, offset: offset}, nil
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

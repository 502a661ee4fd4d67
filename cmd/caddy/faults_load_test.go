package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// load is clients that each GET a page and POST a decision, over and over,
// until stopped, keeping the subject id of every decision answered and
// every failure.
type load struct {
	base string
	stop chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	ids       []string
	pages     int
	failures  int
	firstErrs []string
	changed   chan struct{} // closed and replaced on every answer
}

// loadActions are the decisions the clients take turns posting.
var loadActions = []string{
	`{"action":"accept_all"}`,
	`{"action":"reject_all"}`,
	`{"action":"custom","categories":["analytics"]}`,
}

// startLoad starts n clients against base.
func startLoad(base string, n int) *load {
	l := &load{base: base, stop: make(chan struct{}), changed: make(chan struct{})}
	for c := range n {
		l.wg.Add(1)
		go l.client(c)
	}
	return l
}

// client is one client's loop.
func (l *load) client(c int) {
	defer l.wg.Done()
	// Every client has its own connections, as a browser would.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	defer client.CloseIdleConnections()
	for i := 0; ; i++ {
		select {
		case <-l.stop:
			return
		default:
		}
		if err := l.page(client); err != nil {
			l.fail(fmt.Errorf("client %d: GET /: %w", c, err))
		} else {
			l.note(func() { l.pages++ })
		}
		id, err := l.decide(client, loadActions[(c+i)%len(loadActions)])
		if err != nil {
			l.fail(fmt.Errorf("client %d: POST /_consent: %w", c, err))
		} else {
			l.note(func() { l.ids = append(l.ids, id) })
		}
	}
}

// page GETs the page and checks it is a rewritten 200.
func (l *load) page(client *http.Client) error {
	req, _ := http.NewRequest("GET", l.base+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	if !strings.Contains(string(b), headStart) {
		return fmt.Errorf("no banner in the page: %.200s", b)
	}
	return nil
}

// decide POSTs a decision and returns the subject id it was given.
func (l *load) decide(client *http.Client, body string) (string, error) {
	req, _ := http.NewRequest("POST", l.base+"/_consent", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	// A server that closes an idle keep-alive connection (Caddy's old
	// server does, when a reload retires it) races a client that is
	// sending on it; browsers then send the request again on a new
	// connection, and Go's client does so for GET and for requests with an
	// Idempotency-Key. Had the server taken a decision it never answered,
	// the log would hold a record of a subject no client was given, which
	// checkSameIDs reports.
	req.Header.Set("Idempotency-Key", fmt.Sprintf("%p-%d", client, time.Now().UnixNano()))
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	var s struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.ID == "" {
		return "", fmt.Errorf("answer without an id: %.200s (%v)", b, err)
	}
	return s.ID, nil
}

// note runs f under the lock and wakes waitDecisions.
func (l *load) note(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
	close(l.changed)
	l.changed = make(chan struct{})
}

// fail counts a failed request, keeping the first few errors.
func (l *load) fail(err error) {
	l.note(func() {
		l.failures++
		if len(l.firstErrs) < 5 {
			l.firstErrs = append(l.firstErrs, err.Error())
		}
	})
}

// decisions returns how many decisions have been answered.
func (l *load) decisions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// waitDecisions waits until n more decisions than now have been answered.
func (l *load) waitDecisions(t *testing.T, n int) {
	t.Helper()
	l.mu.Lock()
	want := len(l.ids) + n
	l.mu.Unlock()
	timeout := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		got, ch := len(l.ids), l.changed
		l.mu.Unlock()
		if got >= want {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("%d decisions answered after 30s, want %d (%s)", got, want, l.summary())
		}
	}
}

// finish stops the clients and returns the decisions' subject ids.
func (l *load) finish() []string {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids
}

// summary describes the load so far.
func (l *load) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := fmt.Sprintf("%d pages, %d decisions, %d failed requests", l.pages, len(l.ids), l.failures)
	if len(l.firstErrs) > 0 {
		s += "; first failures:\n\t" + strings.Join(l.firstErrs, "\n\t")
	}
	return s
}

// checkNoFailures fails the test if any request of the load failed.
func (l *load) checkNoFailures(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	failed := l.failures
	l.mu.Unlock()
	if failed > 0 {
		t.Errorf("requests failed: %s", l.summary())
	} else {
		t.Log(l.summary())
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Markers the consent handler leaves in a rewritten page.
const (
	markerState       = `id="consent-state"`               // the injected state script
	markerNeutralised = `type="text/plain" data-category=` // a tracker tag held back (the guard script also says type="text/plain")
)

// verifyClient sees responses as sent: no transparent gzip decoding.
var verifyClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// verify requests the page once the way the load generator will and checks
// that the setup does what it is meant to: 200; the page rewritten by the
// consent setups (the state script injected; tracker tags neutralised
// without a choice, none with everything granted); gzip where the setup
// compresses HTML; and every other body byte-identical to the upstream's.
func verify(t target, s setup, p *page) error {
	head, _, _ := strings.Cut(string(t.req), "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	path := strings.Fields(lines[0])[1]
	req, err := http.NewRequest(http.MethodGet, "http://"+t.addr+path, nil)
	if err != nil {
		return err
	}
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ": "); ok && k != "Host" {
			req.Header.Set(k, v)
		}
	}
	resp, err := verifyClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %v", s.Key, p.Key, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading body: %v", s.Key, p.Key, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %s", s.Key, p.Key, resp.Status)
	}
	body := raw
	gzipped := resp.Header.Get("Content-Encoding") == "gzip"
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("%s %s: Content-Encoding gzip, but: %v", s.Key, p.Key, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s %s: bad gzip body: %v", s.Key, p.Key, err)
		}
	}
	switch {
	case s.Encode && p.HTML && !gzipped:
		return fmt.Errorf("%s %s: no Content-Encoding: gzip on an HTML page (got %q)", s.Key, p.Key, resp.Header.Get("Content-Encoding"))
	case !s.Encode && gzipped:
		return fmt.Errorf("%s %s: gzip without encode", s.Key, p.Key)
	}
	if s.Consent == "" || !p.HTML {
		if !bytes.Equal(body, p.Body) {
			return fmt.Errorf("%s %s: body differs from the upstream's (%d bytes, want %d)", s.Key, p.Key, len(body), len(p.Body))
		}
		return nil
	}
	if !bytes.Contains(body, []byte(markerState)) {
		return fmt.Errorf("%s %s: the page was not rewritten: no %s", s.Key, p.Key, markerState)
	}
	neutralised := bytes.Count(body, []byte(markerNeutralised))
	if s.Granted && neutralised > 0 {
		return fmt.Errorf("%s %s: everything granted, yet %d tags have %s", s.Key, p.Key, neutralised, markerNeutralised)
	}
	if !s.Granted && neutralised == 0 {
		return fmt.Errorf("%s %s: no choice, yet no tag has %s", s.Key, p.Key, markerNeutralised)
	}
	return nil
}

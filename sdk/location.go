package sdk

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Location is where a visitor is, as far as the proxy knows: an ISO 3166-1
// alpha-2 country code and, for countries with subdivisions that matter
// (US states), the ISO 3166-2 subdivision code without the country prefix.
// Empty fields are unknown.
type Location struct {
	Country string // e.g. "DE", "US"
	Region  string // e.g. "CA" for California
}

// String renders the location as "DE", "US-CA", or "" when unknown.
func (l Location) String() string {
	if l.Region != "" && l.Country != "" {
		return l.Country + "-" + l.Region
	}
	return l.Country
}

// CheckLocationKey checks a location key as the regime table stores it and
// Location.String writes it: an ISO 3166-1 alpha-2 country ("BR"), or a
// country and an ISO 3166-2 subdivision of one to three letters or digits
// ("US-NV", "FR-75"), in upper case. The error says what is wanted; the
// caller names the setting and the key.
func CheckLocationKey(k string) error {
	switch {
	case validLocationKey(k):
		return nil
	case validLocationKey(strings.ToUpper(k)):
		return errors.New(wantLocationKey + " in upper case")
	}
	return errors.New(wantLocationKey)
}

const wantLocationKey = "want an ISO country code (BR) or country-region (US-NV)"

func validLocationKey(k string) bool {
	country, region, hasRegion := strings.Cut(k, "-")
	return isAlpha2(country) && (!hasRegion || isRegionCode(region))
}

// locator finds a visitor's location from request headers set by the CDN
// or load balancer in front, or from a MaxMind-format database. Headers win
// when both are configured and the header carries a value.
type locator struct {
	countryHeader string
	regionHeader  string
	db            *maxminddb.Reader
	clientIP      func(*http.Request) netip.Addr // Options.ClientIP or remoteIP; the consent log reads it too
}

func newLocator(o Options) (*locator, error) {
	l := &locator{countryHeader: o.CountryHeader, regionHeader: o.RegionHeader, clientIP: o.ClientIP}
	if l.clientIP == nil {
		l.clientIP = remoteIP
	}
	if o.GeoIPDB != "" {
		db, err := maxminddb.Open(o.GeoIPDB)
		if err != nil {
			return nil, &OptionError{Option: "GeoIPDB", Err: fmt.Errorf("geoip database %s: %w", o.GeoIPDB, err)}
		}
		l.db = db
	}
	return l, nil
}

// geoRecord is the part of a GeoIP2/GeoLite2 Country or City record we read.
type geoRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"subdivisions"`
}

// locate returns the visitor's location; fields it cannot tell are empty.
func (l *locator) locate(r *http.Request) Location {
	var loc Location
	if l.countryHeader != "" {
		loc.Country = countryCode(r.Header.Get(l.countryHeader))
	}
	if l.regionHeader != "" && loc.Country != "" {
		loc.Region = regionCode(r.Header.Get(l.regionHeader), loc.Country)
	}
	if loc.Country != "" || l.db == nil {
		return loc
	}
	ip := l.clientIP(r)
	if !ip.IsValid() {
		return loc
	}
	var rec geoRecord
	if err := l.db.Lookup(ip.Unmap()).Decode(&rec); err != nil {
		return loc
	}
	loc.Country = countryCode(rec.Country.ISOCode)
	if loc.Country != "" && len(rec.Subdivisions) > 0 {
		loc.Region = regionCode(rec.Subdivisions[0].ISOCode, loc.Country)
	}
	return loc
}

// configured reports whether any location source is set up.
func (l *locator) configured() bool {
	return l.countryHeader != "" || l.db != nil
}

func (l *locator) close() error {
	if l.db != nil {
		return l.db.Close()
	}
	return nil
}

// countryCode normalises a country header value; CDNs' markers for unknown
// (XX), Tor (T1) and anonymous proxies (A1, A2) count as unknown.
func countryCode(v string) string {
	v = strings.ToUpper(strings.TrimSpace(v))
	if !isAlpha2(v) {
		return ""
	}
	switch v {
	case "XX", "T1", "A1", "A2", "ZZ":
		return ""
	}
	return v
}

// regionCode normalises a region header value, "CA", "US-CA" or "us-ca",
// to the subdivision code without the country prefix.
func regionCode(v, country string) string {
	v = strings.ToUpper(strings.TrimSpace(v))
	v = strings.TrimPrefix(v, country+"-")
	if !isRegionCode(v) {
		return ""
	}
	return v
}

// remoteIP is the default client address: the connection's peer.
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, _ := netip.ParseAddr(host)
	return ip
}

// isAlpha2 reports whether s is two upper-case letters, the shape of an
// ISO 3166-1 alpha-2 country code.
func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// isRegionCode reports whether s is one to three upper-case letters or
// digits, the shape of an ISO 3166-2 subdivision code without its country.
func isRegionCode(s string) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

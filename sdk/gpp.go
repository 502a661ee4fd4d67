package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/consentry/consentry/banner"
)

// GPPOptions configures the IAB Global Privacy Platform (docs/SIGNALS.md,
// "Global Privacy Platform"): the GPP string of US visitors, the page's
// __gpp API (CMP API v1.1), and the string for the origin (the
// Consent-GPP and Consent-GPP-SID request headers).
type GPPOptions struct {
	// On turns the GPP on. Default: off.
	On bool

	// States are the US states (postal codes: "CA", "VA", "CO", "UT",
	// "CT", "MT", "OR", "TX", "DE", "IA", "NE", "NH", "NJ", "TN", "MN";
	// GPPStates) whose own section the string carries, after usnat, for
	// visitors located there; "all" is every one of them. Default: none
	// (usnat only).
	States []string

	// Notices overrides the notice fields, keyed by their IAB names
	// (GPPNoticeFields), valued 0 (not applicable), 1 (provided) or 2
	// (not provided). Default: the sale, sharing, targeted-advertising
	// and processing notices 1, the sensitive-data notices 0.
	Notices map[string]int

	// MSPA is the site's place under the IAB Multi-State Privacy
	// Agreement: "" (not a covered transaction), GPPMSPAOptOut (covered,
	// Opt-Out Option Mode) or GPPMSPAServiceProvider (covered, Service
	// Provider Mode).
	MSPA string

	// CmpID is the CMP id the API reports. Default: 1, what a string
	// maker with no IAB-assigned id reports (the US sections need none).
	CmpID int
}

// The MSPA modes (GPPOptions.MSPA).
const (
	GPPMSPAOptOut          = "opt-out"
	GPPMSPAServiceProvider = "service-provider"
)

// GPP is a visitor's Global Privacy Platform signal. Visitors with the
// same place, GPC and advertising choice share one: read it, never change
// it.
type GPP struct {
	// String is the GPP string; "DBAA", a header with no section, when
	// none applies.
	String string `json:"string"`
	// SID are the ids of the sections in String, the applicable ones
	// (7 usnat, 8 usca…); [-1] when none applies.
	SID []int `json:"sid"`
	// Sections holds each section's fields by section name, as the IAB's
	// getSection returns them ({"usnat":{"Version":2,…,"Gpc":false}}).
	Sections json.RawMessage `json:"sections"`

	sidList string // SIDList, made once
}

// SIDList is SID as the Consent-GPP-SID header and the gpp_sid
// placeholder give it: "7,8", or "-1".
func (g *GPP) SIDList() string {
	if g.sidList != "" {
		return g.sidList
	}
	var b strings.Builder
	for i, id := range g.SID {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(id))
	}
	return b.String()
}

// gppNoticeDefaults are the notice fields and their default values:
// Consentry gives the notice and the opt-out of sale, sharing and targeted
// advertising; it knows nothing of sensitive data.
var gppNoticeDefaults = map[string]int{
	"SharingNotice":                       1,
	"SaleOptOutNotice":                    1,
	"SharingOptOutNotice":                 1,
	"TargetedAdvertisingOptOutNotice":     1,
	"ProcessingNotice":                    1,
	"SensitiveDataProcessingOptOutNotice": 0,
	"SensitiveDataLimitUseNotice":         0,
	"SensitiveDataOptOutNotice":           0,
}

// GPPNoticeFields returns the notice field names GPPOptions.Notices takes.
func GPPNoticeFields() []string {
	out := make([]string, 0, len(gppNoticeDefaults))
	for k := range gppNoticeDefaults {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// GPPStates returns the US states with a GPP section Consentry writes.
func GPPStates() []string {
	out := make([]string, 0, len(gppStateSections))
	for k := range gppStateSections {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CheckGPPNotice reports a notice field or value GPPOptions.Notices does
// not take.
func CheckGPPNotice(name string, v int) error {
	if _, ok := gppNoticeDefaults[name]; !ok {
		names := GPPNoticeFields()
		return fmt.Errorf("unknown notice field%s (fields: %s)", didYouMean(name, names), strings.Join(names, ", "))
	}
	if v < 0 || v > 2 {
		return fmt.Errorf("notice %s %d: want 0 (not applicable), 1 (provided) or 2 (not provided)", name, v)
	}
	return nil
}

// CheckGPPState reports a state GPPOptions.States does not take.
func CheckGPPState(st string) error {
	if st == "all" || gppStateSections[st] != nil {
		return nil
	}
	return fmt.Errorf("no GPP section for state %q (states: %s, or all)", st, strings.Join(GPPStates(), ", "))
}

// CheckGPPMSPA reports an MSPA mode GPPOptions.MSPA does not take.
func CheckGPPMSPA(m string) error {
	if m == "" || m == GPPMSPAOptOut || m == GPPMSPAServiceProvider {
		return nil
	}
	return fmt.Errorf("unknown MSPA mode %q (want %s, %s or none)", m, GPPMSPAOptOut, GPPMSPAServiceProvider)
}

// gppProvider is one source of GPP sections. The US sections (usProvider)
// are the one there is; it is the seam for the IAB TCF v2.3: a provider of
// section 2 (tcfeuv2) for opt-in visitors, made with the CMP id the
// operator is assigned, with its own __tcfapi in the page beside __gpp.
type gppProvider interface {
	// apis are the sections it can write, as ping's supportedAPIs names
	// them ("7:usnat").
	apis() []string
	// sections appends the sections that apply to a visitor at loc in
	// state s. They may depend only on what gppSlot reads (the place,
	// advertising, GPC): the result is cached under it.
	sections(out []gppSectionOut, s *State, loc Location) []gppSectionOut
}

// gppSectionOut is one encoded section.
type gppSectionOut struct {
	id     int
	name   string
	enc    string
	fields []byte // a JSON object
}

// gppSet is the resolved GPP configuration of a Consent; nil when off.
type gppSet struct {
	providers []gppProvider
	cmpID     int
	apis      string // supportedAPIs, comma separated, for the page
	attrs     string // the API's script element's data attributes, and its ">"
	// located is false when no location source is configured: every
	// visitor then counts as a US visitor of no known state.
	located bool
	cache   []atomic.Pointer[GPP] // by gppSlot
}

// newGPPSet checks o and resolves it.
func newGPPSet(o GPPOptions, located bool) (*gppSet, error) {
	if !o.On {
		return nil, nil
	}
	us := &usProvider{values: map[string]int{}, states: map[string]*gppSectionDef{}}
	for _, m := range []map[string]int{gppNoticeDefaults, o.Notices} {
		for k, v := range m {
			if err := CheckGPPNotice(k, v); err != nil {
				return nil, fmt.Errorf("gpp notice: %w", err)
			}
			us.values[k] = v
		}
	}
	if err := CheckGPPMSPA(o.MSPA); err != nil {
		return nil, fmt.Errorf("gpp mspa: %w", err)
	}
	switch o.MSPA {
	case "":
		us.values["MspaCoveredTransaction"] = 2
	case GPPMSPAOptOut:
		us.values["MspaCoveredTransaction"] = 1
		us.values["MspaOptOutOptionMode"] = 1
		us.values["MspaServiceProviderMode"] = 2
	case GPPMSPAServiceProvider:
		us.values["MspaCoveredTransaction"] = 1
		us.values["MspaOptOutOptionMode"] = 2
		us.values["MspaServiceProviderMode"] = 1
	}
	for _, st := range o.States {
		if err := CheckGPPState(st); err != nil {
			return nil, fmt.Errorf("gpp states: %w", err)
		}
		if st == "all" {
			for k, d := range gppStateSections {
				us.states[k] = d
			}
			continue
		}
		us.states[st] = gppStateSections[st]
	}
	if o.CmpID < 0 || o.CmpID > 4095 {
		return nil, fmt.Errorf("gpp cmp id %d: want 0 to 4095", o.CmpID)
	}
	g := &gppSet{providers: []gppProvider{us}, cmpID: o.CmpID, located: located,
		cache: make([]atomic.Pointer[GPP], gppSlots)}
	if g.cmpID == 0 {
		g.cmpID = 1
	}
	var apis []string
	for _, p := range g.providers {
		apis = append(apis, p.apis()...)
	}
	g.apis = strings.Join(apis, ",")
	g.attrs = ` data-cmp="` + strconv.Itoa(g.cmpID) + `" data-apis="` + g.apis + `">`
	return g, nil
}

// gppPlaces are the places a GPP can differ by: outside the US, a US
// state of no section of ours (or unknown), and each state with one.
var gppPlaces = append([]string{"", "US"}, GPPStates()...)

// gppSlots is the number of distinct GPPs: per place, advertising granted
// or not, GPC or not.
var gppSlots = len(gppPlaces) * 4

// gppSlot numbers everything a visitor's GPP depends on: the place (loc,
// as signal narrows it), advertising and GPC.
func gppSlot(loc Location, adv, gpc bool) int {
	p := 0
	if loc.Country == "US" {
		p = 1
		if loc.Region != "" {
			p = slices.Index(gppPlaces, loc.Region)
		}
	}
	return p*4 + boolBit(adv)*2 + boolBit(gpc)
}

func boolBit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// signal returns the GPP of a visitor at loc in state s.
func (g *gppSet) signal(s *State, loc Location) *GPP {
	if !g.located {
		loc = Location{Country: "US"}
	}
	if loc.Country != "US" {
		loc = Location{} // outside the US, where is no matter
	} else if _, ok := gppStateSections[loc.Region]; !ok {
		loc.Region = ""
	}
	slot := &g.cache[gppSlot(loc, s.Categories[Advertising], s.Signals.GPC)]
	if v := slot.Load(); v != nil {
		return v
	}
	var secs []gppSectionOut
	for _, p := range g.providers {
		secs = p.sections(secs, s, loc)
	}
	slices.SortFunc(secs, func(a, b gppSectionOut) int { return a.id - b.id })
	var header gppBits
	header.int(3, 6) // Type: header
	header.int(1, 6) // Version
	ids := make([]int, len(secs))
	for i, sec := range secs {
		ids[i] = sec.id
	}
	header.fibonacciRange(ids)
	var str strings.Builder
	var js bytes.Buffer
	str.WriteString(header.String())
	js.WriteByte('{')
	for i, sec := range secs {
		str.WriteByte('~')
		str.WriteString(sec.enc)
		if i > 0 {
			js.WriteByte(',')
		}
		js.WriteString(`"` + sec.name + `":`)
		js.Write(sec.fields)
	}
	js.WriteByte('}')
	if len(ids) == 0 {
		ids = []int{-1}
	}
	v := &GPP{String: str.String(), SID: ids, Sections: js.Bytes()}
	v.sidList = v.SIDList()
	slot.Store(v)
	return v
}

// usProvider writes the US National section for every US visitor, and
// the visitor's state's section where configured.
type usProvider struct {
	values map[string]int            // notices and MSPA fields
	states map[string]*gppSectionDef // configured state sections
}

func (u *usProvider) apis() []string {
	out := []string{strconv.Itoa(gppUSNat.id) + ":" + gppUSNat.name}
	var ds []*gppSectionDef
	for _, d := range u.states {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b *gppSectionDef) int { return a.id - b.id })
	for _, d := range ds {
		out = append(out, strconv.Itoa(d.id)+":"+d.name)
	}
	return out
}

// sections: the opt-outs come from the advertising category, the one that
// holds the tags that sell, share and target: refused is opted out (1),
// granted is not (2). GPC is copied from the request.
func (u *usProvider) sections(out []gppSectionOut, s *State, loc Location) []gppSectionOut {
	if loc.Country != "US" {
		return out
	}
	v := make(map[string]int, len(u.values)+3)
	for k, x := range u.values {
		v[k] = x
	}
	opt := 1
	if s.Categories[Advertising] {
		opt = 2
	}
	v["SaleOptOut"], v["SharingOptOut"], v["TargetedAdvertisingOptOut"] = opt, opt, opt
	gpc := s.Signals.GPC
	for _, d := range []*gppSectionDef{gppUSNat, u.states[loc.Region]} {
		if d == nil {
			continue
		}
		enc, js := d.encode(v, gpc)
		out = append(out, gppSectionOut{id: d.id, name: d.name, enc: enc, fields: js})
	}
	return out
}

// gppString is the state's GPP string, or "" when the GPP is off.
func (s *State) gppString() string {
	if s.GPP == nil {
		return ""
	}
	return s.GPP.String
}

// appendGPP writes the page's __gpp API (banner.GPP), when the GPP is on:
// inline, or where the guard is a file (asFile, guardFile), a
// parser-blocking same-origin <script src> (banner.GPPFile). It reads the
// visitor's string from #consent-state, written before it.
func (c *Consent) appendGPP(b *bytes.Buffer, nonce string, asFile bool) {
	if c.gpp == nil {
		return
	}
	if asFile {
		b.WriteString(`<script src="`)
		c.writeAssetPath(b, banner.GPPFile().Name)
		b.WriteByte('"')
		writeNonce(b, nonce)
		b.WriteString(c.gpp.attrs)
		b.WriteString(`</script>`)
		return
	}
	b.WriteString(`<script`)
	writeNonce(b, nonce)
	b.WriteString(c.gpp.attrs)
	b.WriteString(banner.GPP())
	b.WriteString(`</script>`)
}

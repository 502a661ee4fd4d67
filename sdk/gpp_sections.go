package sdk

import (
	"bytes"
	"strconv"
)

// gppField is one field of a GPP section's core segment, as the IAB's
// section specifications list them: Version is int(6); every other field
// is int(2), or, with n > 0, an N-bitfield of n int(2) values.
type gppField struct {
	name string
	n    int
}

// gppSectionDef is one section of the GPP registry that Consentry writes:
// a US section (usnat or a state's), its core segment's fields in wire
// order, and whether it has the GPC sub-section.
type gppSectionDef struct {
	id      int
	name    string // the API prefix, e.g. "usnat"
	state   string // the US state it covers ("" for usnat)
	version int
	fields  []gppField
	gpc     bool
}

// gf is an int(2) field, gl an N-bitfield of n int(2) values, withMSPA
// the fields followed by the three MSPA fields every US section ends with.
func gf(name string) gppField        { return gppField{name: name} }
func gl(name string, n int) gppField { return gppField{name: name, n: n} }
func withMSPA(fs ...gppField) []gppField {
	return append(fs, gf("MspaCoveredTransaction"), gf("MspaOptOutOptionMode"), gf("MspaServiceProviderMode"))
}

// processingLayout is the core segment of the state sections that open
// with a processing notice (Oregon, Texas and most sections after them):
// sdp sensitive-data values, the known-child consents (one value, or a
// list of child), and the additional-processing consent.
func processingLayout(sdp, child int) []gppField {
	kc := gf("KnownChildSensitiveDataConsents")
	if child > 1 {
		kc = gl("KnownChildSensitiveDataConsents", child)
	}
	return withMSPA(gf("ProcessingNotice"), gf("SaleOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"),
		gf("SaleOptOut"), gf("TargetedAdvertisingOptOut"), gl("SensitiveDataProcessing", sdp), kc, gf("AdditionalDataProcessingConsent"))
}

// gppUSNat is the US National section (7), version 2.
var gppUSNat = &gppSectionDef{id: 7, name: "usnat", version: 2, gpc: true, fields: withMSPA(
	gf("SharingNotice"), gf("SaleOptOutNotice"), gf("SharingOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"),
	gf("SensitiveDataProcessingOptOutNotice"), gf("SensitiveDataLimitUseNotice"),
	gf("SaleOptOut"), gf("SharingOptOut"), gf("TargetedAdvertisingOptOut"),
	gl("SensitiveDataProcessing", 16), gl("KnownChildSensitiveDataConsents", 3), gf("PersonalDataConsents"))}

// gppStateSections are the US state sections Consentry can write, keyed by
// the state's postal code: their ids and field layouts from the GPP
// registry (the field order of @iabgpp/cmpapi 3.2, which the tests decode
// with).
var gppStateSections = map[string]*gppSectionDef{
	"CA": {id: 8, name: "usca", state: "CA", version: 1, gpc: true, fields: withMSPA(
		gf("SaleOptOutNotice"), gf("SharingOptOutNotice"), gf("SensitiveDataLimitUseNotice"),
		gf("SaleOptOut"), gf("SharingOptOut"),
		gl("SensitiveDataProcessing", 9), gl("KnownChildSensitiveDataConsents", 2), gf("PersonalDataConsents"))},
	"VA": {id: 9, name: "usva", state: "VA", version: 1, fields: withMSPA(
		gf("SharingNotice"), gf("SaleOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"),
		gf("SaleOptOut"), gf("TargetedAdvertisingOptOut"),
		gl("SensitiveDataProcessing", 8), gf("KnownChildSensitiveDataConsents"))},
	"CO": {id: 10, name: "usco", state: "CO", version: 1, gpc: true, fields: withMSPA(
		gf("SharingNotice"), gf("SaleOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"),
		gf("SaleOptOut"), gf("TargetedAdvertisingOptOut"),
		gl("SensitiveDataProcessing", 7), gf("KnownChildSensitiveDataConsents"))},
	"UT": {id: 11, name: "usut", state: "UT", version: 1, fields: withMSPA(
		gf("SharingNotice"), gf("SaleOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"), gf("SensitiveDataProcessingOptOutNotice"),
		gf("SaleOptOut"), gf("TargetedAdvertisingOptOut"),
		gl("SensitiveDataProcessing", 8), gf("KnownChildSensitiveDataConsents"))},
	"CT": {id: 12, name: "usct", state: "CT", version: 1, gpc: true, fields: withMSPA(
		gf("SharingNotice"), gf("SaleOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"),
		gf("SaleOptOut"), gf("TargetedAdvertisingOptOut"),
		gl("SensitiveDataProcessing", 8), gl("KnownChildSensitiveDataConsents", 3))},
	"MT": {id: 14, name: "usmt", state: "MT", version: 1, gpc: true, fields: withMSPA(
		gf("SharingNotice"), gf("SaleOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"),
		gf("SaleOptOut"), gf("TargetedAdvertisingOptOut"),
		gl("SensitiveDataProcessing", 8), gl("KnownChildSensitiveDataConsents", 3), gf("AdditionalDataProcessingConsent"))},
	"OR": {id: 15, name: "usor", state: "OR", version: 1, gpc: true, fields: processingLayout(11, 3)},
	"TX": {id: 16, name: "ustx", state: "TX", version: 1, gpc: true, fields: processingLayout(8, 1)},
	"DE": {id: 17, name: "usde", state: "DE", version: 1, gpc: true, fields: processingLayout(9, 5)},
	"IA": {id: 18, name: "usia", state: "IA", version: 1, gpc: true, fields: withMSPA(
		gf("ProcessingNotice"), gf("SaleOptOutNotice"), gf("TargetedAdvertisingOptOutNotice"), gf("SensitiveDataOptOutNotice"),
		gf("SaleOptOut"), gf("TargetedAdvertisingOptOut"),
		gl("SensitiveDataProcessing", 8), gf("KnownChildSensitiveDataConsents"))},
	"NE": {id: 19, name: "usne", state: "NE", version: 1, gpc: true, fields: processingLayout(8, 1)},
	"NH": {id: 20, name: "usnh", state: "NH", version: 1, gpc: true, fields: processingLayout(8, 3)},
	"NJ": {id: 21, name: "usnj", state: "NJ", version: 1, gpc: true, fields: processingLayout(10, 5)},
	"TN": {id: 22, name: "ustn", state: "TN", version: 1, gpc: true, fields: processingLayout(8, 1)},
	"MN": {id: 23, name: "usmn", state: "MN", version: 1, gpc: true, fields: processingLayout(8, 1)},
}

// encode writes the section for the field values v (a field v does not
// name is 0, "not applicable"; a list is all 0) and the GPC flag: the
// encoded section and its fields as a JSON object, named and valued as the
// IAB library's getSection returns them.
func (d *gppSectionDef) encode(v map[string]int, gpc bool) (string, []byte) {
	var bits gppBits
	var js bytes.Buffer
	bits.int(d.version, 6)
	js.WriteString(`{"Version":` + strconv.Itoa(d.version))
	for _, fd := range d.fields {
		js.WriteString(`,"` + fd.name + `":`)
		if fd.n == 0 {
			bits.int(v[fd.name], 2)
			js.WriteString(strconv.Itoa(v[fd.name]))
			continue
		}
		js.WriteByte('[')
		for i := range fd.n {
			bits.int(0, 2)
			if i > 0 {
				js.WriteByte(',')
			}
			js.WriteByte('0')
		}
		js.WriteByte(']')
	}
	enc := bits.String()
	if d.gpc {
		var sub gppBits
		sub.int(1, 2) // SubsectionType 1: GPC
		sub.bool(gpc)
		enc += "." + sub.String()
		js.WriteString(`,"GpcSegmentType":1,"Gpc":` + strconv.FormatBool(gpc))
	}
	js.WriteByte('}')
	return enc, js.Bytes()
}

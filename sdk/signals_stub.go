package sdk

import (
	"bytes"
	"strconv"
)

// The stubs, one per vendor. Each is queue-safe: it makes the vendor's
// global the way the vendor's own snippet does, so calls made before the
// vendor's script loads wait in its queue and the snippet, when it runs,
// keeps what is there.
const (
	googleStub  = `window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}`
	uetStub     = `window.uetq=window.uetq||[];`
	clarityStub = `window.clarity=window.clarity||function(){(clarity.q=clarity.q||[]).push(arguments)};`
	// tiktokStub: TikTok's snippet does ttq=w[t]=w[t]||[] and replays the
	// array's [method, …args] entries when its SDK loads, so an entry
	// pushed first is the first call it makes.
	tiktokStub = `(window.ttq=window.ttq||[]).push([`
	// metaStub: Meta's snippet starts with if(f.fbq)return, so a
	// predefined fbq would stop it loading fbevents.js. Instead window.fbq
	// is an accessor that reads undefined until the snippet sets it; then
	// the first queue the snippet gives fbq gets fbq('consent',…) as its
	// first entry, from the live #consent-state (the banner rewrites it
	// before it activates a held snippet), so the consent call precedes
	// init. The category comes after the stub, as a JSON string.
	metaStub = `(function(w,k){var n;Object.defineProperty(w,"fbq",{configurable:true,enumerable:true,get:function(){return n},set:function(f){n=f;if(typeof f=="function"&&!("queue"in f))Object.defineProperty(f,"queue",{configurable:true,enumerable:true,set:function(q){var g;try{g=JSON.parse(document.getElementById("consent-state").textContent).categories[k]}catch(e){}Object.defineProperty(f,"queue",{configurable:true,enumerable:true,writable:true,value:q});q&&q.push&&q.push(["consent",g?"grant":"revoke"])}})}})})(window,`
)

// appendSignals writes the script element of the vendor stubs with the
// defaults of state s, first of everything the page runs after the guard;
// nothing when no vendor is on.
func (c *Consent) appendSignals(b *bytes.Buffer, s *State, nonce string) {
	sg := c.signals
	if len(sg.rows) == 0 {
		return
	}
	b.WriteString(`<script`)
	writeNonce(b, nonce)
	b.WriteByte('>')
	if sg.on[SignalGoogle] {
		c.appendGoogle(b, s)
	}
	if sg.on[SignalUET] {
		b.WriteString(uetStub)
		b.WriteString(`uetq.push("consent","default",`)
		appendSignalValues(b, sg.vendorRows(SignalUET), s, "")
		b.WriteString(`);`)
	}
	if sg.on[SignalClarity] {
		b.WriteString(clarityStub)
		b.WriteString(`clarity("consentv2",`)
		appendSignalValues(b, sg.vendorRows(SignalClarity), s, "")
		b.WriteString(`);`)
	}
	if sg.on[SignalMeta] {
		b.WriteString(metaStub)
		b.WriteString(strconv.Quote(sg.vendorRows(SignalMeta)[0].category))
		b.WriteString(`);`)
	}
	if sg.on[SignalTikTok] {
		b.WriteString(tiktokStub)
		if signalGranted(sg.vendorRows(SignalTikTok)[0], s) {
			b.WriteString(`"grantConsent"]);`)
		} else {
			b.WriteString(`"revokeConsent"]);`)
		}
	}
	b.WriteString(`</script>`)
}

// appendGoogle writes the Consent Mode defaults: per regime with its
// region list (GoogleSignals.RegionDefaults, before a choice only: a
// choice holds wherever Google places the visitor), then the visitor's
// own, then the settings.
func (c *Consent) appendGoogle(b *bytes.Buffer, s *State) {
	sg := c.signals
	rows := sg.vendorRows(SignalGoogle)
	extra := ""
	if w := sg.google.WaitForUpdate; w > 0 {
		extra = `,wait_for_update:` + strconv.Itoa(w)
	}
	b.WriteString(googleStub)
	if sg.regions != nil && !s.Decided {
		for _, reg := range []Regime{RegimeOptIn, RegimeOptOut, RegimeNotice} {
			locs := sg.regions[reg]
			if len(locs) == 0 {
				continue
			}
			b.WriteString(`gtag("consent","default",`)
			var region bytes.Buffer
			region.WriteString(extra + `,region:[`)
			for i, l := range locs {
				if i > 0 {
					region.WriteByte(',')
				}
				region.WriteString(strconv.Quote(l))
			}
			region.WriteByte(']')
			appendSignalValues(b, rows, c.defaults(reg, s.Signals), region.String())
			b.WriteString(`);`)
		}
	}
	b.WriteString(`gtag("consent","default",`)
	appendSignalValues(b, rows, s, extra)
	b.WriteString(`);`)
	if !sg.google.NoAdsDataRedaction {
		for _, r := range rows {
			if r.name == "ad_storage" && !signalGranted(r, s) {
				b.WriteString(`gtag("set","ads_data_redaction",true);`)
			}
		}
	}
	if sg.google.URLPassthrough {
		b.WriteString(`gtag("set","url_passthrough",true);`)
	}
}

// appendSignalValues writes rows as an object literal of "granted" and
// "denied" for state s, with extra (",key:value…") before the brace.
func appendSignalValues(b *bytes.Buffer, rows []signalRow, s *State, extra string) {
	b.WriteByte('{')
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.name)
		if signalGranted(r, s) {
			b.WriteString(`:"granted"`)
		} else {
			b.WriteString(`:"denied"`)
		}
	}
	b.WriteString(extra)
	b.WriteByte('}')
}

// signalGranted reports whether the row's category is granted in s.
func signalGranted(r signalRow, s *State) bool {
	return r.category == Necessary || s.Categories[r.category]
}

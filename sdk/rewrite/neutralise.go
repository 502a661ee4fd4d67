package rewrite

// neutralise emits the start tag carry[start:end] made inert for category
// cat: ` type="text/plain"` (scripts and styles, inert) and ` data-category="cat"` (unless the
// tag has one) go right after the name, the attributes of the rename kinds
// get a "data-" prefix, and a data-category naming another (granted)
// category is set to cat. Every other byte is kept.
func (rw *Writer) neutralise(start, end, nameEnd int, cat string, rename attrKind, inert bool, catAttr int) {
	rw.emitTo(start)
	out := rw.appendCarry(rw.out, start, start+nameEnd)
	out = append(out, rw.stamp...)
	if inert {
		out = append(out, ` type="text/plain"`...)
	}
	if catAttr < 0 {
		out = append(out, ` data-category="`...)
		out = appendAttrValue(out, cat)
		out = append(out, '"')
	}
	var renamed attrKind // the attributes this tag has that get a data- name
	for _, a := range rw.attrs {
		if a.kind != attrLazy {
			renamed |= a.kind & rename
		}
	}
	last := nameEnd
	for i, a := range rw.attrs {
		switch {
		case a.twin&renamed != 0, a.kind == attrLazy && rename&attrLazy != 0 && catAttr < 0:
			// A data-src the tag already has: see dataTwin.
			out = rw.appendEdited(out, start, last, a.keyOff+len("data-"))
			out = append(out, "consent-orig-"...)
			last = a.keyOff + len("data-")
		case a.kind == attrLazy:
			// A marked element's data-src: the consent protocol's own.
		case a.kind&rename != 0:
			out = rw.appendEdited(out, start, last, a.keyOff)
			out = append(out, "data-"...)
			last = a.keyOff
		case i == catAttr && string(trimHTMLSpace(rw.attrValue(start, a))) != cat:
			if a.valOff >= 0 {
				out = rw.appendEdited(out, start, last, a.valOff)
				last = a.valEnd
			} else {
				out = rw.appendEdited(out, start, last, a.keyEnd)
				last = a.keyEnd
				out = append(out, '=')
			}
			out = append(out, '"')
			out = appendAttrValue(out, cat)
			out = append(out, '"')
		}
	}
	rw.out = rw.appendEdited(out, start, last, end-start)
	rw.done = end
	rw.counts = rw.counts.Add(cat)
}

// refusedKey returns the data-category value v when the policy refuses it,
// else "".
func (rw *Writer) refusedKey(v []byte) string {
	v = trimHTMLSpace(v)
	if len(v) == 0 {
		return ""
	}
	if k, ok := rw.keys[string(v)]; ok {
		return k
	}
	s := string(v)
	k := ""
	if rw.p.Refused(s) {
		k = s
	}
	if rw.keys == nil {
		rw.keys = make(map[string]string)
	}
	if len(rw.keys) < maxCacheEntries {
		rw.keys[s] = k
	}
	return k
}

// hostCategory returns the refused category of the host the URL attribute
// value v points at, or "". It remembers the host for Hosts, and as
// fetched (FetchedHost) unless inText: a host merely named in a script or
// style body is not one the page is known to load from.
func (rw *Writer) hostCategory(v []byte, inText bool) string {
	if !inText && rw.pp != nil {
		if k := rw.pathCategory(v); k != "" {
			return k
		}
	}
	rw.hostBuf = appendURLHost(rw.hostBuf[:0], v)
	return rw.knownHostCategory(rw.hostBuf, inText)
}

// knownHostCategory is hostCategory for the host h already mapped.
func (rw *Writer) knownHostCategory(h []byte, inText bool) string {
	if len(h) == 0 {
		return ""
	}
	k, ok := rw.hosts[string(h)]
	if ok && (inText || rw.fetched[string(h)]) {
		return k
	}
	s := string(h)
	if !ok {
		k = rw.p.RefusedHost(s)
		if rw.hosts == nil {
			rw.hosts = make(map[string]string)
		}
		if len(rw.hosts) >= maxCacheEntries {
			return k
		}
		rw.hosts[s] = k
	}
	if !inText {
		if rw.fetched == nil {
			rw.fetched = make(map[string]bool)
		}
		rw.fetched[s] = true
	}
	return k
}

// firstNonSpace returns the index of the first byte of b that is not HTML
// whitespace, or -1.
func firstNonSpace(b []byte) int {
	for i, c := range b {
		if !isHTMLSpace(c) {
			return i
		}
	}
	return -1
}

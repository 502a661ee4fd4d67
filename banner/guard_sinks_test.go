package banner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/internal/browsertest"
)

// sinkClass says what becomes of a sink's request before consent and on
// consent.
type sinkClass int

const (
	// sinkHeld: an element held inert, activated by the banner on consent.
	sinkHeld sinkClass = iota
	// sinkGone: held for good, as the server does (srcdoc, a style's url(), a
	// tag left open for the page's own markup to close).
	sinkGone
	// sinkDropped: a request made directly, dropped and not replayed.
	sinkDropped
)

// sinkCase is one way a page script may reach a tracker. Its code runs
// inline, in the body, while the page is parsed, with U (the URL, built
// from url with {P} the port, {RUN} the run and {N} the case's name), N,
// P and RUN defined, and records the outcome of a request in R[N]. html
// goes before the script and after after it.
type sinkCase struct {
	name   string
	class  sinkClass
	host   string // the host the request reaches when granted
	url    string
	code   string
	html   string
	after  string
	result [2]string // R[N] refused, granted ("" when not recorded)
}

const (
	sinkT = "http://tracker.localhost:{P}/{RUN}/{N}"
	sinkA = "http://cdn.ads.localhost:{P}/{RUN}/{N}"
	sinkM = "/metrics/{RUN}/{N}"
	svgNS = `'http://www.w3.org/2000/svg'`
)

// sinkCases are the sinks of issue 13 with adversarial spellings of the
// tracker's host: case, whitespace and controls, scheme-relative,
// backslashes, percent-encoding, full-width letters and the ideographic
// full stop (which the URL parser maps), a catalogued parent domain, and
// first-party path prefixes with dot segments and percent-encoding.
var sinkCases = []sinkCase{
	// First, so that the banner at the bottom does not cover the button.
	{name: "form-user", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"submit", "submit"},
		html: `<iframe title="f" name="f-{N}"></iframe><form id="form-{N}" action="{U}.html" target="f-{N}"><button id="b-{N}">go</button></form>`,
		code: `document.getElementById('form-' + N).addEventListener('submit', () => { R[N] = 'submit'; });`},
	{name: "innerhtml", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.innerHTML = '<p>x<img alt="" src="' + U + '.gif"></p>'; document.body.append(d);`},
	{name: "innerhtml-picture", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `const d = document.createElement('div'); d.innerHTML = '<div><picture><source srcset="/own-' + N + '.gif 2x, ' + U + '.gif 1x"><img alt="" src="/own.gif"></picture></div>'; document.body.append(d);`},
	{name: "outerhtml", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); document.body.append(d); d.outerHTML = '<iframe title="x" src="' + U + '.html"></iframe>';`},
	{name: "adjacent-upper", class: sinkHeld, host: "tracker.localhost", url: "HTTP://TRACKER.LOCALHOST:{P}/{RUN}/{N}",
		code: `document.body.insertAdjacentHTML('beforeend', '<IMG ALT="" SRC = "' + U + '.gif" >');`},
	{name: "write-script", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `document.write('<script src="' + U + '.js"><\/script>');`},
	{name: "write-split", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `document.write('<img alt="" src="'); document.write(U + '.gif">');`},
	{name: "write-split-host", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `document.write('<img alt="a>b" src="' + U.slice(0, 12)); document.write(U.slice(12) + '.gif">');`},
	{name: "writeln-scheme-relative", class: sinkHeld, host: "tracker.localhost", url: "//tracker.localhost:{P}/{RUN}/{N}",
		code: `document.writeln('<img alt="" src="' + U + '.gif">');`},
	{name: "write-left-open", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `document.write('<img alt="" src="' + U);`, after: `.gif">`},
	{name: "fragment-whitespace", class: sinkHeld, host: "cdn.ads.localhost", url: " \n\thttp://cdn.ads.local\thost:{P}/{RUN}/{N}",
		code: `document.body.append(document.createRange().createContextualFragment('<img alt="" src="' + U + '.gif">'));`},
	{name: "domparser-fullwidth", class: sinkHeld, host: "tracker.localhost", url: "http://ｔｒａｃｋｅｒ.localhost:{P}/{RUN}/{N}",
		code: `const doc = new DOMParser().parseFromString('<div><img alt="" src="' + U + '.gif"></div>', 'text/html'); document.body.append(doc.body.firstChild);`},
	{name: "template-clone", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		html: `<template id="t-{N}"><p><img alt="" src="{U}.gif"></p></template>`,
		code: `document.body.append(document.getElementById('t-' + N).content.cloneNode(true));`},
	{name: "import-node-ideographic", class: sinkHeld, host: "tracker.localhost", url: "http://tracker。localhost:{P}/{RUN}/{N}",
		html: `<template id="t-{N}"><img alt="" src="{U}.gif"></template>`,
		code: `document.body.appendChild(document.importNode(document.getElementById('t-' + N).content, true));`},
	{name: "style-import", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.innerHTML = '<style>@import url(' + U + '.css);</style>'; document.body.append(d);`},
	{name: "style-import-escaped", class: sinkHeld, host: "tracker.localhost", url: "/{RUN}/{N}",
		code: `const d = document.createElement('div'); d.innerHTML = '<style>@IMPORT "http://tr\\61 cker.localhost:' + P + U + '.css";</style>'; document.body.append(d);`},
	{name: "poster-percent", class: sinkHeld, host: "tracker.localhost", url: "http://%74racker.localhost:{P}/{RUN}/{N}",
		code: `const v = document.createElement('video'); v.poster = U + '.gif'; document.body.append(v);`},
	{name: "object-backslash", class: sinkHeld, host: "tracker.localhost", url: `http:\\tracker.localhost:{P}\{RUN}\{N}`,
		code: `const o = document.createElement('object'); o.type = 'text/html'; o.data = U + '.html'; document.body.append(o);`},
	{name: "input-image", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `const i = document.createElement('input'); i.type = 'image'; i.alt = 'x'; i.src = U + '.gif'; document.body.append(i);`},
	{name: "embed", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const e = document.createElement('embed'); e.type = 'text/html'; e.src = U + '.html'; document.body.append(e);`},
	{name: "link-imagesrcset", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const l = document.createElement('link'); l.rel = 'preload'; l.as = 'image'; l.imageSrcset = U + '.gif 1x'; l.href = U + '.gif?href'; document.head.append(l);`},
	{name: "body-background", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `document.body.background = U + '.gif';`},
	{name: "svg-xlink", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const s = document.createElementNS(` + svgNS + `, 'svg'); const i = document.createElementNS(` + svgNS + `, 'image');
			i.setAttribute('width', '4'); i.setAttribute('height', '4'); i.setAttributeNS('http://www.w3.org/1999/xlink', 'xlink:href', U + '.gif'); s.append(i); document.body.append(s);`},
	{name: "srcset-attr", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const i = document.createElement('img'); i.alt = ''; i.setAttribute('srcset', '/own-' + N + '.gif 2x, ' + U + '.gif 1x'); document.body.append(i);`},
	{name: "pixel-path", class: sinkHeld, host: "127.0.0.1", url: sinkM,
		code: `new Image().src = U + '.gif';`},
	{name: "path-dot-segments", class: sinkHeld, host: "127.0.0.1", url: "/own/../metrics/{RUN}/{N}",
		code: `const i = document.createElement('img'); i.alt = ''; i.setAttribute('src', U + '.gif'); document.body.append(i);`},
	{name: "path-percent", class: sinkHeld, host: "127.0.0.1", url: "/%6Detrics/{RUN}/{N}",
		code: `const d = document.createElement('div'); d.innerHTML = '<img alt="" src="' + U + '.gif">'; document.body.append(d);`},

	{name: "setattribute-upper-name", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const x = document.createElement('script'); x.setAttribute('SRC', U + '.js'); document.head.append(x);`},
	{name: "svg-innerhtml", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `const d = document.createElement('div'); d.innerHTML = '<svg width="4" height="4"><image width="4" height="4" href="' + U + '.gif"/></svg>'; document.body.append(d);`},
	{name: "table-context", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		html: `<table><tbody id="tb-{N}"></tbody></table>`,
		code: `document.getElementById('tb-' + N).innerHTML = '<tr><td><iframe title="x" src="' + U + '.html"></iframe></td></tr>';`},
	{name: "write-entities", class: sinkHeld, host: "tracker.localhost", url: "http&#x3a;//tracker&period;localhost:{P}/{RUN}/{N}",
		code: `document.write('<img alt="" src="' + U + '.gif">');`},
	{name: "srcset-newlines", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `const d = document.createElement('div'); d.innerHTML = '<img alt="" srcset="/own-' + N + '.gif 2x,\n' + U + '.gif\t1x">'; document.body.append(d);`},
	{name: "xhtml-replacewith", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const doc = new DOMParser().parseFromString('<img xmlns="http://www.w3.org/1999/xhtml" alt="" src="' + U + '.gif"/>', 'application/xhtml+xml');
			const x = document.createElement('span'); document.body.append(x); x.replaceWith(doc.documentElement);`},
	{name: "adjacent-element", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const doc = new DOMParser().parseFromString('<iframe title="x" src="' + U + '.html"></iframe>', 'text/html'); document.body.insertAdjacentElement('beforeend', doc.querySelector('iframe'));`},
	// Held, but the banner does not look into shadow roots: it stays off.
	{name: "shadow-innerhtml", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const h = document.createElement('div'); document.body.append(h); h.attachShadow({ mode: 'open' }).innerHTML = '<img alt="" src="' + U + '.gif">';`},

	// Written while the parser waits for a script: Chromium's preload
	// scanner reads what is written.
	{name: "write-style-import", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `document.write('<script src="/own-1.js"><\/script><style>@import url(' + U + '.css);</style>');`},
	{name: "write-blocked-img", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `document.write('<script src="/own-2.js"><\/script><img alt="" src="' + U + '.gif"><link rel="stylesheet" href="' + U + '.css">');`},

	{name: "srcdoc-prop", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const f = document.createElement('iframe'); f.title = 'x'; f.srcdoc = '<img alt="" src="' + U + '.gif">'; document.body.append(f);`},
	{name: "srcdoc-nested", class: sinkGone, host: "cdn.ads.localhost", url: sinkA,
		code: `const f = document.createElement('iframe'); f.title = 'x'; f.setAttribute('srcdoc', '<iframe title="y" srcdoc="&lt;img alt=&quot;&quot; src=&quot;' + U + '.gif&quot;&gt;"></iframe>'); document.body.append(f);`},
	{name: "style-attr", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.id = N; d.setAttribute('style', 'width:10px;height:10px;background-image:url(' + U + '.gif)'); document.body.append(d);`},
	{name: "style-csstext", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.id = N; document.body.append(d); d.style.cssText = 'width:10px;height:10px;background:url("' + U + '.gif") red';`},
	{name: "style-setproperty", class: sinkGone, host: "cdn.ads.localhost", url: sinkA,
		code: `const d = document.createElement('div'); d.id = N; d.style.width = d.style.height = '10px'; document.body.append(d); d.style.setProperty('background-image', 'url(' + U + '.gif)');`},
	{name: "style-escaped", class: sinkGone, host: "tracker.localhost", url: "/{RUN}/{N}",
		code: `const d = document.createElement('div'); d.id = N; d.setAttribute('style', 'width:10px;height:10px;background-image:url(http://tr\\61 cker.localhost:' + P + U + '.gif)'); document.body.append(d);`},

	// Styles set through the CSSOM: each url() dropped, the rest applies.
	{name: "style-prop", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.id = N; d.style.width = d.style.height = '10px'; document.body.append(d); d.style.backgroundImage = 'url(' + U + '.gif)';`},
	{name: "style-dashed", class: sinkGone, host: "cdn.ads.localhost", url: sinkA,
		code: `const d = document.createElement('div'); d.id = N; d.style['width'] = d.style['height'] = '10px'; document.body.append(d); d.style['background-image'] = 'url("' + U + '.gif")';`},
	{name: "style-assign", class: sinkGone, host: "tracker.localhost", url: "/{RUN}/{N}",
		code: `const d = document.createElement('div'); d.id = N; document.body.append(d); d.style = 'width:10px;height:10px;border-style:solid;border-image:url(http://tr\\61 cker.localhost:' + P + U + '.gif) 30 round';`},
	{name: "style-rule-prop", class: sinkGone, host: "tracker.localhost", url: sinkT,
		html: `<style id="s-{N}">#style-rule-prop { width: 10px; height: 10px }</style><div id="style-rule-prop"></div>`,
		code: `document.getElementById('s-' + N).sheet.cssRules[0].style.backgroundImage = 'url(' + U + '.gif)';`},
	{name: "style-typed-om", class: sinkGone, host: "cdn.ads.localhost", url: sinkA,
		code: `const d = document.createElement('div'); d.id = N; d.style.width = d.style.height = '10px'; document.body.append(d); try { d.attributeStyleMap.set('background-image', CSSStyleValue.parse('background-image', 'url(' + U + '.gif)')); } catch (e) {}`},
	{name: "style-animate", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.id = N; d.style.width = d.style.height = '10px'; document.body.append(d); d.animate({ backgroundImage: ['url(' + U + '.gif)', 'url(' + U + '.gif?2)'] }, { duration: 100000, fill: 'forwards' });`},
	{name: "cssom-insertrule", class: sinkGone, host: "tracker.localhost", url: sinkT,
		html: `<div id="cssom-insertrule" style="width:10px;height:10px"></div>`,
		code: `const s = document.createElement('style'); document.head.append(s); try { s.sheet.insertRule('#' + N + ' { background: url(' + U + '.gif) }', 0); } catch (e) {}`},
	{name: "cssom-media-rule", class: sinkGone, host: "cdn.ads.localhost", url: sinkA,
		html: `<div id="cssom-media-rule" style="width:10px;height:10px"></div>`,
		code: `const s = document.createElement('style'); s.textContent = '@media all { p { margin: 0 } }'; document.head.append(s); try { s.sheet.cssRules[0].insertRule('#' + N + ' { background-image: url(' + U + '.gif) }', 0); } catch (e) {}`},
	{name: "cssom-import", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const s = document.createElement('style'); document.head.append(s); try { s.sheet.insertRule('@import url(' + U + '.css)', 0); } catch (e) {}`},
	{name: "cssom-adopted", class: sinkGone, host: "tracker.localhost", url: sinkT,
		html: `<div id="cssom-adopted" style="width:10px;height:10px"></div>`,
		code: `const s = new CSSStyleSheet(); s.replaceSync('#' + N + ' { background: url(' + U + '.gif) }'); document.adoptedStyleSheets = [...document.adoptedStyleSheets, s];`},
	{name: "style-custom-property", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.id = N; d.style.cssText = 'width:10px;height:10px;background-image:var(--i)'; document.body.append(d); d.style.setProperty('--i', 'url(' + U + '.gif)');`},
	{name: "style-rule-csstext", class: sinkGone, host: "cdn.ads.localhost", url: sinkA,
		html: `<style id="s-{N}">#style-rule-csstext { color: red }</style><div id="style-rule-csstext"></div>`,
		code: `document.getElementById('s-' + N).sheet.cssRules[0].style.cssText = 'width:10px;height:10px;background:url(' + U + '.gif)';`},
	{name: "cssom-replace", class: sinkGone, host: "tracker.localhost", url: sinkT,
		html: `<div id="cssom-replace" style="width:10px;height:10px"></div>`,
		code: `new CSSStyleSheet().replace('#' + N + ' { background-image: url(' + U + '.gif) }').then((s) => { document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; });`},
	{name: "font-face", class: sinkGone, host: "cdn.ads.localhost", url: sinkA,
		code: `const f = new FontFace('f-' + N, 'url(' + U + '.woff)'); document.fonts.add(f); f.load().catch(() => {});`},
	{name: "sethtmlunsafe", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); document.body.append(d); d.setHTMLUnsafe('<img alt="" src="' + U + '.gif">');`},
	// Text given to a style in the document: the style is held.
	{name: "style-live-text", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		html: `<style id="s-{N}">p { margin: 1em 0 }</style><div id="style-live-text" style="width:10px;height:10px"></div>`,
		code: `document.getElementById('s-' + N).textContent = '#' + N + ' { background-image: url(' + U + '.gif) }';`},
	{name: "style-text-node", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		html: `<style id="s-{N}"></style>`,
		code: `document.getElementById('s-' + N).appendChild(document.createTextNode('@import url(' + U + '.css);'));`},

	// Attr nodes: a value set in place, or a node attached.
	{name: "attr-value", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const i = document.createElement('img'); i.alt = ''; i.setAttribute('src', '/own.gif'); document.body.append(i); i.getAttributeNode('src').value = U + '.gif';`},
	{name: "attr-node", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `const i = document.createElement('img'); i.alt = ''; document.body.append(i); const a = document.createAttribute('src'); a.value = U + '.gif'; i.setAttributeNode(a);`},
	{name: "attr-named-item", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const f = document.createElement('iframe'); f.title = 'x'; document.body.append(f); const a = document.createAttribute('SRC'); a.nodeValue = U + '.html'; f.attributes.setNamedItem(a);`},
	{name: "attr-node-value", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `const s = document.createElement('script'); s.setAttribute('async', ''); document.head.append(s); s.setAttributeNode(document.createAttribute('src')); s.attributes.src.nodeValue = U + '.js';`},
	{name: "attr-text-content", class: sinkHeld, host: "cdn.ads.localhost", url: sinkA,
		code: `const i = document.createElement('img'); i.alt = ''; i.setAttribute('srcset', '/own.gif 1x'); document.body.append(i); i.attributes[1].textContent = U + '.gif 2x';`},
	{name: "attr-style-value", class: sinkGone, host: "tracker.localhost", url: sinkT,
		code: `const d = document.createElement('div'); d.id = N; d.setAttribute('style', 'width:10px;height:10px'); document.body.append(d); d.getAttributeNode('style').value = 'width:10px;height:10px;background:url(' + U + '.gif)';`},
	// A <style> whose text is written in two calls.
	{name: "write-style-split", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		code: `document.write('<style>@import url(' + U.slice(0, 14)); document.write(U.slice(14) + '.css);</style>');`},
	{name: "write-style-split-escaped", class: sinkHeld, host: "cdn.ads.localhost", url: "/{RUN}/{N}",
		code: `document.write('<STYLE media="all">\n@import "http://cdn.a'); document.writeln('d\\73 .localhost:' + P + U + '.css";</style >');`},

	{name: "fetch", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"TypeError", "ok"},
		code: `fetch(U + '.json').then(() => { R[N] = 'ok'; }, (e) => { R[N] = e.name; });`},
	{name: "fetch-request-upper", class: sinkDropped, host: "tracker.localhost", url: "http://TRACKER.localhost:{P}/{RUN}/{N}", result: [2]string{"TypeError", "ok"},
		code: `fetch(new Request(U + '.json')).then(() => { R[N] = 'ok'; }, (e) => { R[N] = e.name; });`},
	{name: "fetch-path", class: sinkDropped, host: "127.0.0.1", url: sinkM, result: [2]string{"TypeError", "ok"},
		code: `fetch(U + '.json', { method: 'POST', body: 'x' }).then(() => { R[N] = 'ok'; }, (e) => { R[N] = e.name; });`},
	{name: "xhr", class: sinkDropped, host: "cdn.ads.localhost", url: sinkA, result: [2]string{"error 4 0", "load 4 200"},
		code: `const x = new XMLHttpRequest(); x.open('GET', U + '.json'); x.onload = x.onerror = (e) => { R[N] = e.type + ' ' + x.readyState + ' ' + x.status; }; x.send();`},
	{name: "beacon", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"false", "true"},
		code: `R[N] = String(navigator.sendBeacon(U + '.json', 'x'));`},
	{name: "websocket", class: sinkDropped, host: "tracker.localhost", url: "ws://tracker.localhost:{P}/{RUN}/{N}", result: [2]string{"error", "error"},
		code: `const w = new WebSocket(U + '.ws'); w.onopen = () => { R[N] = 'open'; }; w.onerror = () => { R[N] = 'error'; };`},
	{name: "eventsource", class: sinkDropped, host: "cdn.ads.localhost", url: sinkA, result: [2]string{"error 0", "error 2"},
		code: `const s = new EventSource(U + '.es'); s.onerror = () => { R[N] = 'error ' + s.readyState; s.close(); };`},
	{name: "worker", class: sinkDropped, host: "127.0.0.1", url: sinkM, result: [2]string{"ok", "ok"},
		code: `try { new Worker(U + '.js'); R[N] = 'ok'; } catch (e) { R[N] = e.name; }`},
	{name: "shared-worker", class: sinkDropped, host: "127.0.0.1", url: sinkM, result: [2]string{"ok", "ok"},
		code: `try { new SharedWorker(U + '.js'); R[N] = 'ok'; } catch (e) { R[N] = e.name; }`},
	{name: "style-adjacent-text", class: sinkHeld, host: "tracker.localhost", url: sinkT,
		html: `<style id="s-{N}"></style>`,
		code: `document.getElementById('s-' + N).insertAdjacentText('beforeend', '@import url(' + U + '.css);');`},
	// A worker runs with no guard: its script is judged by the hosts it
	// names.
	{name: "worker-data", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"ok", "ok"},
		code: `try { new Worker('data:text/javascript,' + encodeURIComponent('importScripts("' + U + '.js")')); R[N] = 'ok'; } catch (e) { R[N] = e.name; }`},
	{name: "worker-blob", class: sinkDropped, host: "cdn.ads.localhost", url: sinkA, result: [2]string{"ok", "ok"},
		code: `try { new Worker(URL.createObjectURL(new Blob(['importScripts("' + U + '.js")']))); R[N] = 'ok'; } catch (e) { R[N] = e.name; }`},
	{name: "worker-module", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"ok", "ok"},
		code: `try { new Worker('data:text/javascript;base64,' + btoa('import "' + U + '.js";'), { type: 'module' }); R[N] = 'ok'; } catch (e) { R[N] = e.name; }`},
	{name: "shared-worker-blob", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"ok", "ok"},
		code: `try { new SharedWorker(URL.createObjectURL(new Blob(['importScripts("' + U + '.js")']))); R[N] = 'ok'; } catch (e) { R[N] = e.name; }`},
	{name: "audio-worklet", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"AbortError", "ok"},
		code: `new AudioContext().audioWorklet.addModule(URL.createObjectURL(new Blob(['import "' + U + '.js";'], { type: 'text/javascript' }))).then(() => { R[N] = 'ok'; }, (e) => { R[N] = e.name; });`},
	{name: "service-worker", class: sinkDropped, host: "127.0.0.1", url: sinkM, result: [2]string{"TypeError", "ok"},
		code: `navigator.serviceWorker.register(U + '.js', { scope: '/metrics/' + RUN + '/' }).then(() => { R[N] = 'ok'; }, (e) => { R[N] = e.name; });`},
	{name: "service-worker-script", class: sinkDropped, host: "tracker.localhost", url: "/sw/{RUN}/{N}.js", result: [2]string{"TypeError", "ok"},
		code: `navigator.serviceWorker.register(U, { scope: '/sw/' + RUN + '/' }).then(() => { R[N] = 'ok'; }, (e) => { R[N] = e.name; });`},
	{name: "window-open", class: sinkDropped, host: "tracker.localhost", url: sinkT, result: [2]string{"null", "window"},
		code: `const w = window.open(U + '.html', '_blank'); R[N] = w === null ? 'null' : 'window';`},
	{name: "form-submit", class: sinkDropped, host: "tracker.localhost", url: sinkT,
		html: `<iframe title="f" name="f-{N}"></iframe><form id="form-{N}" method="post" action="{U}.html" target="f-{N}"></form>`,
		code: `document.getElementById('form-' + N).submit();`},
	{name: "form-request-submit", class: sinkDropped, host: "cdn.ads.localhost", url: "//cdn.ads.localhost:{P}/{RUN}/{N}",
		html: `<iframe title="f" name="f-{N}"></iframe><form id="form-{N}" action="{U}.html" target="f-{N}"><input name="q" value="1"></form>`,
		code: `document.getElementById('form-' + N).requestSubmit();`},
	{name: "form-formaction", class: sinkDropped, host: "tracker.localhost", url: sinkT,
		html: `<iframe title="f" name="f-{N}"></iframe><form id="form-{N}" action="/own.html" target="f-{N}"><button id="b-{N}" formaction="{U}.html">go</button></form>`,
		code: `document.getElementById('form-' + N).requestSubmit(document.getElementById('b-' + N));`},
}

// sinkHosts is the page's #consent-hosts, inline: a first-party path
// prefix; sinkTable its host table (data-src, fetched as the sdk serves
// it): hosts and a parent domain.
const (
	sinkHosts = `{"analytics":["/metrics/"]}`
	sinkTable = `{"necessary":["necessary.localhost"],"analytics":["Tracker.localhost"],"advertising":["ads.localhost"]}`
)

// sinkSite serves the sink page and records every request to a vendor
// host, and to the first-party /metrics/ prefix, by host and path.
type sinkSite struct {
	guardSite
}

func (s *sinkSite) serve(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	host = strings.ToLower(host)
	if host != "127.0.0.1" || strings.HasPrefix(r.URL.Path, "/metrics/") {
		s.mu.Lock()
		s.hits = append(s.hits, host+r.URL.Path)
		s.mu.Unlock()
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		switch {
		case strings.HasSuffix(r.URL.Path, ".js"):
			h.Set("Content-Type", "text/javascript")
		case strings.HasSuffix(r.URL.Path, ".css"):
			h.Set("Content-Type", "text/css")
		case strings.HasSuffix(r.URL.Path, ".html"):
			h.Set("Content-Type", "text/html")
		case strings.HasSuffix(r.URL.Path, ".json"):
			h.Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("{}"))
		case strings.HasSuffix(r.URL.Path, ".ws"), strings.HasSuffix(r.URL.Path, ".es"):
			w.WriteHeader(http.StatusNoContent)
		default:
			h.Set("Content-Type", "image/gif")
			_, _ = w.Write(gif1x1)
		}
		return
	}
	switch {
	case r.URL.Path == "/_consent/hosts.sinks.json":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, sinkTable)
	case r.URL.Path == "/":
		s.sinkPage(w, r.URL.Query().Get("run"), r.URL.Query().Get("granted") == "1")
	case strings.HasPrefix(r.URL.Path, "/sw/"):
		// A first-party service worker that imports the tracker's script
		// of its case: /sw/{RUN}/{N}.js.
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "importScripts('http://tracker.localhost:%s/%s')", s.port, strings.TrimPrefix(r.URL.Path, "/sw/"))
	case strings.HasPrefix(r.URL.Path, "/own"):
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript")
			return
		}
		if strings.HasSuffix(r.URL.Path, ".json") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"own":true}`))
			return
		}
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write(gif1x1)
	default:
		s.guardSite.serve(w, r)
	}
}

// gif1x1 is a transparent 1×1 GIF.
var gif1x1 = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// fill replaces {P}, {RUN}, {N} and {U} in s.
func (s *sinkSite) fill(str, run string, c sinkCase) string {
	r := strings.NewReplacer("{P}", s.port, "{RUN}", run, "{N}", c.name)
	if strings.Contains(str, "{U}") {
		str = strings.ReplaceAll(str, "{U}", r.Replace(c.url))
	}
	return r.Replace(str)
}

func (s *sinkSite) sinkPage(w http.ResponseWriter, run string, granted bool) {
	st := newState(false)
	if granted {
		st = newState(true, "analytics", "advertising")
	}
	state, _ := json.Marshal(st)
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sinks</title>
<script type="application/json" id="consent-state" data-key="sk3y">%s</script>
<script type="application/json" id="consent-hosts" data-src="/_consent/hosts.sinks.json">%s</script>
<script>%s</script>
<script>window.R = {}; window.errors = []; addEventListener('error', (e) => errors.push(String(e.message)));</script>
<script src="/_consent/%s" defer></script>
<script src="/_consent/%s" defer></script>
</head><body><h1>Sinks</h1>
`, state, sinkHosts, Guard(), s.configScript().Name(), JS().Name)
	for _, c := range sinkCases {
		u, _ := json.Marshal(s.fill(c.url, run, c))
		n, _ := json.Marshal(c.name)
		p, _ := json.Marshal(s.port)
		rn, _ := json.Marshal(run)
		b.WriteString(s.fill(c.html, run, c))
		if c.code != "" {
			fmt.Fprintf(&b, "<script>(() => { const U = %s, N = %s, P = %s, RUN = %s; try { %s } catch (e) { R[N] = 'threw ' + e; } })();</script>",
				u, n, p, rn, c.code)
		}
		b.WriteString(s.fill(c.after, run, c) + "\n")
	}
	b.WriteString("</body></html>")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// hitOf returns the recorded hit of case c in run, or "".
func (s *sinkSite) hitOf(run string, c sinkCase, hits []string) string {
	path := "/" + run + "/" + c.name
	if c.host == "127.0.0.1" {
		path = "/metrics" + path
	}
	for _, h := range hits {
		if rest, ok := strings.CutPrefix(h, c.host+path); ok && (rest == "" || rest[0] == '.') {
			return h
		}
	}
	return ""
}

// leaks returns the hits of run on a catalogued host or path.
func (s *sinkSite) leaks(run string) []string {
	var out []string
	for _, h := range s.got() {
		host, path, _ := strings.Cut(h, "/")
		if (host == "tracker.localhost" || strings.HasSuffix(host, "ads.localhost") || host == "127.0.0.1") &&
			(strings.HasPrefix(path, run+"/") || strings.HasPrefix(path, "metrics/"+run+"/")) {
			out = append(out, h)
		}
	}
	return out
}

// waitHits waits until every case of want has hit the stub.
func (s *sinkSite) waitHits(t *testing.T, run string, want []sinkCase) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for {
		hits := s.got()
		var missing []string
		for _, c := range want {
			if s.hitOf(run, c, hits) == "" {
				missing = append(missing, c.name)
			}
		}
		if len(missing) == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("run %s: no request reached the stub for %v", run, missing)
		}
	}
}

// settle waits for the page to finish loading and every request sink to
// record its outcome, then for a last control request to an uncatalogued
// host to reach the stub: what the page asked for by then has been asked.
func (s *sinkSite) settle(t *testing.T, ctx context.Context, run, mark string) {
	t.Helper()
	var keys []string
	for _, c := range sinkCases {
		if c.result[0] != "" {
			keys = append(keys, c.name)
		}
	}
	k, _ := json.Marshal(keys)
	waitFor(t, ctx, fmt.Sprintf(`document.readyState === 'complete' && %s.every((k) => k in R)`, k))
	ctl := sinkCase{name: mark, host: "other.localhost"}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`new Image().src = %q`, "http://other.localhost:"+s.port+"/"+run+"/"+mark+".gif")))
	s.waitHits(t, run, []sinkCase{ctl})
}

func sinksOf(classes ...sinkClass) []sinkCase {
	var out []sinkCase
	for _, c := range sinkCases {
		if slices.Contains(classes, c.class) {
			out = append(out, c)
		}
	}
	return out
}

// TestGuardSinks: before consent, no sink of issue 13 — markup strings,
// nodes of other documents, URL properties, styles, direct requests and
// form submissions, each with adversarial spellings of the host — makes a
// request to a catalogued host or first-party path of a refused category
// (the stub sees none, nor does Chromium's network log); requests fail as
// on a network error; held elements carry the response's key. On Accept
// all, the held elements load and nothing dropped is replayed. The same
// page with the categories granted reaches the tracker through every
// sink, with the request results the browser gives, so that each sink is
// known to fetch.
func TestGuardSinks(t *testing.T) {
	tab := slowTabs(t)
	s := &sinkSite{guardSite{t: t}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	_, s.port, _ = net.SplitHostPort(s.srv.Listener.Addr().String())

	t.Run("refused", func(t *testing.T) {
		ctx := tab()
		var mu sync.Mutex
		var seen []string
		if err := chromedp.Listen(ctx, func(ev any) {
			if e, ok := ev.(*network.EventRequestWillBeSent); ok {
				mu.Lock()
				seen = append(seen, e.Request.URL)
				mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.Navigate(s.srv.URL+"/?run=r"), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
		do(t, ctx, chromedp.Click("#b-form-user"))
		s.settle(t, ctx, "r", "done")

		if l := s.leaks("r"); len(l) != 0 {
			t.Errorf("requests reached a refused tracker before consent: %v", l)
		}
		mu.Lock()
		for _, u := range seen {
			p, err := url.Parse(u)
			if err == nil && (p.Hostname() == "tracker.localhost" || strings.HasSuffix(p.Hostname(), "ads.localhost") || strings.HasPrefix(p.Path, "/metrics/")) {
				t.Errorf("Chromium sent %s", u)
			}
		}
		mu.Unlock()
		checkResults(t, ctx, 0)
		if got := eval[[]string](t, ctx, `errors`); len(got) != 0 {
			t.Errorf("script errors: %v", got)
		}
		// Held in the document, stamped as the server stamps what it holds.
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-consent-by="script"][data-consent-key="sk3y"][data-category]').length`); n < 15 {
			t.Errorf("%d elements held with the key, want ≥ 15", n)
		}
		// A stripped style keeps its other declarations.
		for _, c := range sinksOf(sinkGone) {
			if strings.HasPrefix(c.name, "style-") {
				if got := eval[string](t, ctx, fmt.Sprintf(`getComputedStyle(document.getElementById(%q)).width`, c.name)); got != "10px" {
					t.Errorf("%s: width %q, want 10px (only the url() declaration dropped)", c.name, got)
				}
			}
		}

		// First-party markup, URLs, styles and requests pass untouched,
		// with the same return values.
		if got := eval[[]bool](t, ctx, firstPartyChecks); slices.Contains(got, false) {
			t.Errorf("first-party checks %v, want all true", got)
		}
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch('/own.json').then((r) => r.json()).then((j) => j.own === true)`, chromedp.EvalAwaitPromise)); err != nil || !got {
			t.Errorf("first-party fetch: %v, %v", got, err)
		}

		// Consent: what was held loads; nothing dropped is replayed.
		do(t, ctx, chromedp.Click(action("accept_all")), chromedp.WaitNotVisible(chromedp.CSS("#consentry-banner")))
		s.waitHits(t, "r", sinksOf(sinkHeld))
		s.settle(t, ctx, "r", "done2")
		for _, c := range sinksOf(sinkGone, sinkDropped) {
			if h := s.hitOf("r", c, s.got()); h != "" {
				t.Errorf("%s: %s reached after consent; want it dropped for good", c.name, h)
			}
		}
		// Granted now: the same sinks pass.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`fetch('http://tracker.localhost:%s/r/late.json')`, s.port)))
		s.waitHits(t, "r", []sinkCase{{name: "late", host: "tracker.localhost"}})
	})

	t.Run("granted", func(t *testing.T) {
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.srv.URL+"/?run=g&granted=1"), chromedp.WaitReady("#b-form-user"))
		do(t, ctx, chromedp.Click("#b-form-user"))
		s.settle(t, ctx, "g", "done")
		s.waitHits(t, "g", sinkCases)
		checkResults(t, ctx, 1)
		if got := eval[[]string](t, ctx, `errors`); len(got) != 0 {
			t.Errorf("script errors: %v", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-consent-by]').length`); n != 0 {
			t.Errorf("%d elements held with every category granted", n)
		}
	})
}

func checkResults(t *testing.T, ctx context.Context, i int) {
	t.Helper()
	got := eval[map[string]string](t, ctx, `R`)
	for _, c := range sinkCases {
		if want := c.result[i]; want != "" && got[c.name] != want {
			t.Errorf("%s: result %q, want %q", c.name, got[c.name], want)
		}
	}
}

// firstPartyChecks are first-party uses of the hooked sinks, each of which
// must behave as without the guard.
const firstPartyChecks = `(() => {
	const d = document.createElement('div');
	const s = '<p class="x">a<img alt="" src="/own.gif"><iframe title="o" src="/own.html"></iframe><span style="background:url(/own.gif)">b</span></p>';
	d.innerHTML = s;
	const i = document.createElement('img');
	i.src = '/own.gif';
	const c = document.createElement('div');
	c.style.cssText = 'color: red; background: url("/own.gif")';
	const f = document.createDocumentFragment();
	const fr = document.createRange().createContextualFragment('<b>x</b><img alt="" src="/own.gif">');
	return [
		d.innerHTML === s,
		i.getAttribute('src') === '/own.gif' && i.src === location.origin + '/own.gif',
		document.body.appendChild(d) === d,
		document.body.insertBefore(f, d) === f,
		/own\.gif/.test(c.style.backgroundImage) && c.style.color === 'red',
		d.setAttribute('data-x', 'y') === undefined && d.getAttribute('data-x') === 'y',
		fr.childNodes.length === 2,
		String(navigator.sendBeacon('/own.json', 'x')) === 'true',
		typeof window.fetch === 'function' && /native code/.test(Function.prototype.toString.call(window.fetch)),
	];
})()`

// slowTabs is browser with 90 s tabs: a sink page loads some fifty
// frames, forms and requests, and is then given consent.
func slowTabs(t *testing.T) func() context.Context {
	t.Helper()
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), browsertest.Options(browsertest.Path(t), t.TempDir())...)
	bctx, cancelB := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelB()
		cancelA()
		t.Fatalf("start browser: %v", err)
	}
	t.Cleanup(func() { cancelB(); cancelA() })
	return func() context.Context {
		ctx, cancel := chromedp.NewContext(bctx)
		ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
		t.Cleanup(func() { cancelT(); cancel() })
		return ctx
	}
}

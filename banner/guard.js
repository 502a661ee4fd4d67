/*
 * Consentry guard: the first script in <head>, inline, before any page
 * script. Nothing a page script does may reach a catalogued host of a
 * refused category (or a first-party path prefix of one) before consent.
 *
 * Elements are held inert the way the server neutralises tags, whatever
 * built them: URL properties and setAttribute(NS), markup strings
 * (innerHTML, outerHTML, insertAdjacentHTML, document.write/writeln,
 * createContextualFragment, srcdoc: parsed into an inert
 * <template>, held there, then inserted), and nodes of other documents
 * (DOMParser, template clones) or any subtree put into the document
 * (appendChild, append, before, replaceWith, importNode, …). A
 * document.write that leaves a tag open is kept back until the next call
 * or the end of the running script, so that its URL is judged whole. A held
 * element's refused URL attribute moves to data-* (data-src, data-srcset,
 * …), it gets data-category, the response's activation key (data-key of
 * #consent-state) in data-consent-key and data-consent-by="script", and a
 * script or style gets type="text/plain" (its own in data-type). The
 * banner activates them when the category is granted, the ones never
 * inserted (new Image() pixels) through the list the guard keeps on
 * #consent-state (its held property). A srcdoc that would load a refused
 * host, and a style declaration with such a url(), are dropped for good,
 * as the server does.
 *
 * Requests are dropped, not replayed: fetch rejects with a TypeError,
 * XMLHttpRequest, WebSocket and EventSource fail as on a network error
 * (their URL is swapped for a blocked port), Worker and SharedWorker throw
 * a SecurityError, sendBeacon returns false, window.open returns null, and
 * a form is not submitted (submit(), requestSubmit(), a user's submit).
 * A category granted by then passes.
 *
 * It reads #consent-hosts ({category: [host or "/path-prefix", ...]},
 * inline right before it) once and #consent-state on every hit, so a
 * choice takes effect at once. Hosts match with their parent domains, as
 * the URL parser reads them; "/…" entries match URLs of the page's own
 * origin whose path (percent-decoded, any case) starts with them.
 * It never throws: anything unexpected lets the original run.
 */
(() => {
 try {
  const W = window;
  const D = document;
  const L = location;
  const O = Object;
  const EP = Element.prototype;
  const CSD = CSSStyleDeclaration.prototype;
  const own = O.getOwnPropertyDescriptor;
  const names = O.getOwnPropertyNames;
  const setAttr = EP.setAttribute;
  const set = (e, n, v) => setAttr.call(e, n, v);
  const HTML = own(EP, 'innerHTML');
  const CSSText = own(CSD, 'cssText');
  const json = (id) => JSON.parse(D.getElementById(id).textContent);
  // host or first-party path prefix ("/…"), lowercase → category. (The
  // state always grants necessary: nothing is held for it.)
  const hosts = {};
  const byCategory = json('consent-hosts');
  for (const k in byCategory) byCategory[k].forEach((h) => { hosts[h.toLowerCase()] = k; });
  const st = D.getElementById('consent-state');
  const key = st.getAttribute('data-key');
  // on reads the live #consent-state: the banner rewrites it on a choice.
  const on = (k) => json('consent-state').categories[k];
  // got is the category of the last element held. The elements held are
  // listed on #consent-state (its held property): the banner activates the
  // ones never inserted (new Image() pixels), which it cannot see.
  let got;
  const held = [];
  st.held = held;

  // url returns the refused category of one URL, or ''.
  const url = (v) => {
    try {
      const u = new URL(v, D.baseURI);
      const h = u.hostname;
      let k;
      let l = 0;
      // The longest match: a host before its parent domains.
      for (const p in hosts) {
        if ((p[0] == '/' ? u.origin == L.origin && unescape(u.pathname).toLowerCase().startsWith(p) : h != L.hostname && ('.' + h).endsWith('.' + p)) && p.length > l) k = hosts[p], l = p.length;
      }
      return k && !on(k) && k;
    } catch (e) {
      return '';
    }
  };

  // css returns the refused category of a url() or string in CSS text,
  // its escapes decoded.
  const css = (t) => {
    let k;
    String(t)
      .replace(/\\([\da-f]{1,6})\s?|\\(.)/gi, (m, h, c) => (h ? String.fromCodePoint(+('0x' + h) % 0x110000 || 65533) : c))
      .replace(/url\(\s*['"]?([^'")]*)|(['"])(.*?)\2/gis, (m, u, q, s) => { k = k || url(u || s); });
    return k;
  };

  // clear removes the declarations of the style s that hold a refused
  // url(), as the browser parsed them. Styles are fetched when rendered:
  // clear runs right after the declarations are set, before that.
  const clear = (s) => {
    for (let i = s.length, k; i--;) if ((k = css(s.getPropertyValue(s[i])))) got = k, s.removeProperty(s[i]);
  };

  // The fetching URL attributes: the server's table (rewrite.RenamedAttrs)
  // but style, which strip handles.
  const FETCH = /^(src|srcset|data|poster|href|xlink:href|background|imagesrcset|ping|srcdoc)$/;

  // mark stamps e as held for category k.
  const mark = (e, k) => {
    got = k;
    set(e, 'data-category', k);
    set(e, 'data-consent-key', key);
    set(e, 'data-consent-by', 'script');
    const t = e.getAttribute('type');
    if (/^(script|style)$/.test(e.localName) && t != 'text/plain') {
      if (t) set(e, 'data-type', t);
      set(e, 'type', 'text/plain');
    }
  };

  // att sets attribute n of element e to v itself and returns true when v
  // must not be set as it is: a refused URL (held: set aside in data-n), a
  // style with a refused url() (stripped).
  const att = (e, n, v) => {
    const s = String(v);
    const k = FETCH.test(n) && !/^a(rea)? .*href/i.test(e.localName + ' ' + n) &&
      (n == 'srcdoc' ? markup(s) : (/set|ping/.test(n) ? s.split(/[\s,]+/) : [s]).map(url).find((x) => x));
    if (k) {
      mark(e, k);
      set(e, 'data-' + n, s);
      e.removeAttribute(n);
      return e.ownerDocument != D || held.push(e);
    }
    if (n == 'style' && css(s)) return set(e, n, s) || clear(e.style) || 1;
  };

  // sweep holds every refused element of the subtree r, and of the
  // templates in it.
  const sweep = (r) => {
    try {
      [r, ...r.querySelectorAll('*')].forEach((e) => {
        if (e.attributes) {
          if (e.content) sweep(e.content);
          [...e.attributes].forEach(({ name: n, value: v }) => att(e, n, v));
          // A held style's @import is written escaped, as the CSS parser
          // reads it and Chromium's preload scanner does not.
          const k = e.localName == 'style' && css(e.textContent);
          if (k) mark(e, k), (e.textContent = e.textContent.replace(/@import/gi, '@\\69mport'));
        }
      });
    } catch (e) {}
  };
  const parse = (s) => {
    const t = D.createElement('template');
    HTML.set.call(t, s);
    return t;
  };
  // hold sweeps a template's content and returns the category of what it
  // held, or ''.
  const hold = (t, g = got) => {
    got = '';
    sweep(t.content);
    [got, g] = [g, got];
    return g;
  };
  // markup returns the refused category of an HTML string.
  const markup = (s) => hold(parse(s));
  // clean returns the markup s with its refused elements held, or s itself.
  const clean = (s, t = parse(s)) => (hold(t) ? HTML.get.call(t) : s);

  // hook wraps the function o[n]: f(args, this) may change the arguments
  // in place, or return [value] to return value instead of calling it.
  const run = (f, a, th) => {
    try {
      return f(a, th);
    } catch (e) {}
  };
  const hook = (o, n, f) => {
    try {
      o[n] = new Proxy(o[n], {
        apply: (t, th, a, r = run(f, a, th)) => (r ? r[0] : Reflect.apply(t, th, a)),
        construct: (t, a, nt) => (run(f, a), Reflect.construct(t, a, nt)),
      });
    } catch (e) {}
  };
  // prop wraps the setter of o[n] as hook does, the value in args[0].
  const prop = (o, n, f) => {
    try {
      const d = own(o, n);
      hook(d, 'set', f);
      O.defineProperty(o, n, d);
    } catch (e) {}
  };

  // Attributes, and the reflecting URL properties (src, srcset, poster,
  // data, ping, background, imageSrcset, srcdoc, …), whose own setters
  // set the attribute.
  ['setAttribute', 'setAttributeNS'].forEach((n, i) => hook(EP, n, (a, e) => att(e, String(a[i]).toLowerCase().replace(i ? /.*:/ : '', ''), a[i + 1]) && []));
  names(W).forEach((c) => {
    if (/^HTML.*Element$/.test(c)) {
      names(W[c].prototype).forEach((p) => {
        if (FETCH.test(p.toLowerCase())) prop(W[c].prototype, p, (a, e) => [e.setAttribute(p.toLowerCase(), a[0])]);
      });
    }
  });

  // Styles.
  prop(CSD, 'cssText', (a, s) => [CSSText.set.call(s, a[0]), clear(s)]);
  hook(CSD, 'setProperty', (a) => css(a[1]) && []);

  // Markup strings.
  const markupArg = (a) => { a[0] = clean(a[0]); };
  prop(EP, 'innerHTML', markupArg);
  prop(EP, 'outerHTML', markupArg);
  prop(ShadowRoot.prototype, 'innerHTML', markupArg);
  hook(Range.prototype, 'createContextualFragment', markupArg);
  hook(EP, 'insertAdjacentHTML', (a) => { a[1] = clean(a[1]); });

  // document.write: each call's markup is held as above. A tag left open
  // at the end of a call is kept back and written with the next call, so
  // that its URL is judged whole, or at the end of the running script
  // (dropped if refused: the page's own markup would close it).
  let part = '';
  const write = D.write;
  const flush = (p = part) => {
    part = '';
    if (p && !markup(p + '"\'>')) write.call(D, p);
  };
  ['write', 'writeln'].forEach((n) => hook(Document.prototype, n, (a) => {
    const [, s, p = ''] = /^(.*?)(<[a-z!/?]([^>"']|"[^"]*"|'[^']*')*("[^"]*|'[^']*)?)?$/is.exec(part + a.join(''));
    if (p && !part) queueMicrotask(flush);
    part = p;
    a.splice(0, a.length, clean(s));
  }));

  // Nodes of other documents (DOMParser, template clones), and subtrees
  // put into the document.
  const add = (a, th) => a.forEach((n) => {
    if (n.nodeType && (n.ownerDocument != D || (!n.isConnected && th.isConnected))) sweep(n);
  });
  [Node, Element, CharacterData, DocumentFragment, Document, Range].forEach((c) => names(c.prototype).forEach((n) => {
    if (/^(append|prepend|before|after|replace|insert|adopt|import|move|surr)/.test(n)) hook(c.prototype, n, add);
  }));

  // Requests.
  const drop = (o, n, i) => hook(o, n, (a) => { if (url(a[i].url || a[i])) a[i] = 'http://0.0.0.0:0/'; });
  'fetch WebSocket EventSource Worker SharedWorker'.split(' ').forEach((n) => drop(W, n, 0));
  drop(XMLHttpRequest.prototype, 'open', 1);
  hook(Navigator.prototype, 'sendBeacon', (a) => url(a[0]) && [false]);
  hook(W, 'open', (a) => url(a[0]) && [null]);
  const sent = (f, s) => url((s && s.getAttribute('formaction')) || f.getAttribute('action'));
  hook(HTMLFormElement.prototype, 'submit', (a, f) => sent(f) && []);
  W.addEventListener('submit', (e) => sent(e.target, e.submitter) && e.preventDefault(), true);

 } catch (e) {}
})();

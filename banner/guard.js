/*
 * Consentry guard: the first script in <head>, inline, before any page
 * script. Nothing a page script does may reach a catalogued host of a
 * refused category (or a first-party path prefix of one) before consent.
 *
 * Elements are held inert the way the server neutralises tags, whatever
 * built them: URL properties and setAttribute(NS), Attr nodes (value,
 * nodeValue, textContent, setAttributeNode, setNamedItem), markup strings
 * (innerHTML, outerHTML, insertAdjacentHTML, setHTMLUnsafe,
 * document.write/writeln, createContextualFragment, srcdoc: parsed into an inert
 * <template>, held there, then inserted), and nodes of other documents
 * (DOMParser, template clones) or any subtree put into the document
 * (appendChild, append, before, replaceWith, importNode, …). A
 * document.write that leaves a tag or a <style> open is kept back until
 * the next call or the end of the running script, so that its URL or its
 * CSS is judged whole. A held
 * element's refused URL attribute moves to data-* (data-src, data-srcset,
 * …), it gets data-category, the response's activation key (data-key of
 * #consent-state) in data-consent-key and data-consent-by="script", and a
 * script or style gets type="text/plain" (its own in data-type). The
 * banner activates them when the category is granted, the ones never
 * inserted (new Image() pixels) through the list the guard keeps on
 * #consent-state (its held property). A srcdoc that would load a refused
 * host, and a style declaration with such a url(), are dropped for good,
 * as the server does, whatever sets it: setAttribute('style'), cssText, a
 * style set to a string, a property of the style of an element or a rule
 * (camelCase or dashed: a proxy, as Chromium has them as named properties,
 * not prototype setters), setProperty, the Typed OM (set, append), and
 * keyframes (animate, KeyframeEffect, setKeyframes) and a FontFace
 * source (they become null).
 * Style sheet text with one (insertRule, addRule, appendRule, replace,
 * replaceSync, in a sheet or a grouping rule) becomes an empty rule, so
 * that a constructed sheet is safe to adopt. Text given to a <style> in
 * use (textContent, innerText, data, appendChild of a text node, …) with
 * one holds the style before the browser parses it.
 *
 * Requests are dropped, not replayed: fetch rejects with a TypeError,
 * XMLHttpRequest, WebSocket and EventSource fail as on a network error
 * (their URL is swapped for a blocked port), sendBeacon returns false,
 * window.open returns null, and a form is not submitted (submit(),
 * requestSubmit(), a user's submit). A worker runs with no guard, so a
 * Worker, SharedWorker, module worker, service worker or worklet module
 * is refused when its URL is refused or its script (data:, blob: or of
 * the page's origin, read at once) names a refused host or path prefix:
 * it gets the empty script data:, (a service worker or worklet then
 * rejects as for a bad script). A category granted by then passes.
 *
 * It reads #consent-hosts ({category: [host or "/path-prefix", ...]},
 * inline right before it: the path prefixes) once, and fetches at start
 * the file its data-src names, of the same form (the hosts: thousands, so
 * not inline). Until that arrives, fetch of another host waits for it and
 * any other judgement of another host's URL loads it at once (a
 * synchronous request, which Chromium's cache joins to the fetch in
 * flight): nothing is reordered. If it fails to load, every other host is
 * refused, for every refused category at once. #consent-state is read on
 * every hit, so a choice takes effect at once. Hosts match with their
 * parent domains, the closest first, as the URL parser reads them; "/…"
 * entries match URLs of the page's own origin whose path
 * (percent-decoded, any case) starts with them, the longest first.
 * It never throws: anything unexpected lets the original run.
 */
(() => {
 try {
  const W = window;
  const D = document;
  const L = location;
  const O = Object;
  const EP = Element.prototype;
  const own = O.getOwnPropertyDescriptor;
  const names = O.getOwnPropertyNames;
  const HTML = own(EP, 'innerHTML');
  const byId = (id) => D.getElementById(id);
  const json = (id) => JSON.parse(byId(id).textContent);
  const E = byId('consent-hosts');
  const src = E.dataset.src;
  // host or first-party path prefix ("/…"), lowercase → category. (The
  // state always grants necessary: nothing is held for it.)
  const hosts = {};
  const load = (j) => O.entries(j).forEach(([k, v]) => v.forEach((h) => { hosts[h.toLowerCase()] = k; }));
  load(JSON.parse(E.textContent));
  // The inline path prefixes, longest first.
  const paths = O.keys(hosts).sort((a, b) => b.length - a.length);
  // ready is 1 once the host table (data-src) is in, 2 if it failed to
  // load, falsy while it loads. fetch waits for it (wait); any other
  // judgement of a cross-origin URL loads it at once (need).
  let ready = !src;
  const take = (t) => {
    if (!ready) try { load(JSON.parse(t)), (ready = 1); } catch { ready = 2; }
  };
  const wait = src && fetch(src).then((r) => r.text()).then(take, take);
  // get reads a same-origin file at once.
  const get = (u, x = new XMLHttpRequest()) => {
    try { x.open('GET', u, false), x.send(); } catch {}
    return x.responseText;
  };
  const need = () => ready || take(get(src));
  const st = byId('consent-state');
  // on reads the live #consent-state: the banner rewrites it on a choice.
  const cats = () => json('consent-state').categories;
  const on = (k) => cats()[k];
  // got is the category of the last element held. The elements held are
  // listed on #consent-state (its held property): the banner activates the
  // ones never inserted (new Image() pixels), which it cannot see.
  let got;
  const held = (st.held = []);

  // far tells a URL of another host.
  const far = (u) => u.hostname && u.hostname != L.hostname;
  // url returns the refused category of one URL: of its host or the
  // closest parent domain of it in the table, or of the longest path
  // prefix of the page's own origin. With no table (it failed to load),
  // any other host is held for every refused category at once.
  const url = (v, k) => {
    try {
      const u = new URL(v, D.baseURI);
      const p = unescape(u.pathname).toLowerCase();
      if (u.origin == L.origin) k = hosts[paths.find((x) => x[0] == '/' && p.startsWith(x))];
      else if (far(u)) {
        need();
        if (ready > 1) return O.keys(cats()).filter((c) => !on(c)).join(' ');
        u.hostname.split('.').some((x, i, a) => (k = hosts[a.slice(i).join('.')]));
      }
      return k && !on(k) && k;
    } catch {}
  };

  // css returns the refused category of a url() or string in CSS text,
  // its escapes decoded (at once when it has neither: no "(", quote or
  // backslash).
  const css = (t, k) => {
    if (/[(\\'"]/.test((t = String(t)))) t
      .replace(/\\([\da-f]{1,6})\s?|\\(.)/gi, (m, h, c) => (h ? String.fromCodePoint(+('0x' + h) % 0x110000 || 65533) : c))
      .replace(/url\(\s*['"]?([^'")]*)|(['"])(.*?)\2/gis, (m, u, q, s) => { k = k || url(u || s); });
    return k;
  };
  // deep is the text of a value for css: an object's own and its values'
  // (keyframes, typed OM values), three levels down.
  const deep = (x, d = 3) => (d && x === O(x) ? x + O.values(x).map((v) => deep(v, d - 1)) : x);

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
    const set = (n, v) => e.setAttribute(n, v);
    const t = e.type;
    set('data-category', k);
    set('data-consent-key', st.dataset.key);
    set('data-consent-by', 'script');
    if (/^(script|style)$/.test(e.localName) && t != 'text/plain') {
      if (t) set('data-type', t);
      set('type', 'text/plain');
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
      e.setAttribute('data-' + n, s);
      e.removeAttribute(n);
      return e.ownerDocument != D || held.push(e);
    }
    if (n == 'style' && css(s)) return [(e.style.cssText = s)];
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
    } catch {}
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

  // hook wraps the method or the setter (or the getter s) n of o:
  // f(args, this, original)
  // may change the arguments in place, or return [value] to return value
  // instead of calling the original.
  const hook = (o, n, f, s) => {
    try {
      const d = own(o, n);
      s = s || (d.set ? 'set' : 'value');
      const run = (a, th, t) => {
        try {
          return f(a, th, t);
        } catch {}
      };
      d[s] = new Proxy(d[s], {
        apply: (t, th, a, r = run(a, th, t)) => (r ? r[0] : Reflect.apply(t, th, a)),
        construct: (t, a, nt) => (run(a), Reflect.construct(t, a, nt)),
      });
      O.defineProperty(o, n, d);
    } catch {}
  };
  // hooks hooks with f the names of the table t: "Class name name,…",
  // the window's own for the class window, or none if Class is missing.
  const hooks = (t, f) => t.split(',').forEach((x) => {
    const [c, ...n] = x.split(' ');
    const o = W[c];
    n.forEach((m) => hook(o?.prototype || o, m, f));
  });

  // refuse is a hook that drops a call with a refused url() in its
  // arguments; fix(v) one that replaces such an argument with v.
  const refuse = (a) => css(deep(a)) && [];
  const fix = (v) => (a) => a.forEach((x, i) => css(deep(x)) && (a[i] = v));
  const styles = new WeakMap();

  // Attributes, and the reflecting URL properties (src, srcset, poster,
  // data, ping, background, imageSrcset, srcdoc, …), whose own setters
  // set the attribute. The style of an element or a rule: set to a
  // string, it sets its cssText; read, it is a proxy that drops a
  // property set to a refused url() (Chromium has them as named
  // properties of each declaration, not setters of its prototype).
  // Attr nodes: their value set in place, or attached (the element of a
  // NamedNodeMap is the one whose attributes gave it).
  const maps = new WeakMap();
  hook(EP, 'attributes', (a, e, t, m = t.call(e)) => [(maps.set(m, e), m)], 'get');
  hooks('Element setAttributeNode setAttributeNodeNS,NamedNodeMap setNamedItem setNamedItemNS', (a, th, t, x = a[0]) => att(maps.get(th) || th, x.name.toLowerCase(), x.value) && []);
  const attr = (a, x) => x.ownerElement && att(x.ownerElement, x.name, a[0]) && [];
  hooks('Attr value', attr);
  ['setAttribute', 'setAttributeNS'].forEach((n, i) => hook(EP, n, (a, e) => att(e, String(a[i]).toLowerCase().replace(i ? /.*:/ : '', ''), a[i + 1]) && []));
  names(W).forEach((c, o) => /^[A-Z]\w*(Element|Rule|Declarations)$/.test(c) && names((o = W[c].prototype)).forEach((p) => {
    const l = p.toLowerCase();
    if (FETCH.test(l)) hook(o, p, (a, e) => [e.setAttribute(l, a[0])]);
    if (p == 'style') {
      hook(o, p, (a, e) => [(e.style.cssText = a[0])]);
      hook(o, p, (a, e, t, s = t.call(e)) => [styles.get(s) || (styles.set(s, (a = new Proxy(s, {
        get: (s, k, r, v = s[k]) => (v && v.call ? v.bind(s) : v),
        set: (s, k, v) => ((k == 'cssText' || !css(deep(v))) && (s[k] = v), 1),
      }))), a)], 'get');
    }
  }));

  // Styles: cssText drops only its declarations with a refused url();
  // setProperty and typed OM are not called with one; keyframes and a
  // FontFace source with one become null; style sheet text with one
  // (insertRule, replace, …) an empty rule, so that constructed sheets
  // are safe to adopt (Chromium resolves their url()s against the
  // document, whatever baseURL they are given).
  hooks('CSSStyleDeclaration cssText', (a, s, t) => [t.apply(s, a), clear(s)]);
  hooks('CSSStyleDeclaration setProperty,StylePropertyMap set append', refuse);
  hooks('KeyframeEffect setKeyframes,Element animate,window KeyframeEffect FontFace', fix(null));
  hooks('CSSStyleSheet insertRule addRule replace replaceSync,CSSGroupingRule insertRule,CSSKeyframesRule appendRule', fix('@media not all{}'));
  // The style (or the style of the text node or range) th whose text the
  // call adds to or sets to a.
  const styled = (a, th, b = th.startContainer || th) => {
    const s = [b, b.parentNode].find((x) => x && x.localName == 'style');
    const k = s && css(s.textContent + a.map((x) => x?.textContent ?? x));
    if (k) mark(s, k);
  };

  // Markup strings.
  hooks('Element innerHTML outerHTML insertAdjacentHTML setHTMLUnsafe,ShadowRoot innerHTML setHTMLUnsafe,Range createContextualFragment', (a) => a.forEach((x, i) => { a[i] = clean(x); }));

  // document.write: each call's markup is held as above. A tag or a
  // <style> left open at the end of a call is kept back and written with
  // the next call, so that its URL or its CSS is judged whole, or at the end of the running script
  // (dropped if refused: the page's own markup would close it).
  let part = '';
  const write = D.write;
  const flush = (p = part) => {
    part = '';
    if (p && !markup(p + '"\'>')) write.call(D, p);
  };
  hooks('Document write writeln', (a) => {
    const [, s, p = ''] = /^(.*?)(<style[\s/>](?!.*<\/style[\s/>]).*|<[a-z!/?]([^>"']|"[^"]*"|'[^']*')*("[^"]*|'[^']*)?)?$/is.exec(part + a.join(''));
    if (p && !part) queueMicrotask(flush);
    part = p;
    a.splice(0, a.length, clean(s));
  });

  // Nodes of other documents (DOMParser, template clones), subtrees put
  // into the document, and text put into a style.
  const add = (a, th) => attr(a, th) || (
    styled(a, th),
    a.forEach((n) => {
      if (n?.nodeType && (n.ownerDocument != D || (!n.isConnected && th.isConnected))) sweep(n);
    }));
  [Node, Element, HTMLElement, CharacterData, DocumentFragment, Document, Range].forEach((c) => names(c.prototype).forEach((n) => {
    if (/^(append|prepend|before|after|replace|insert|adopt|import|move|surr|inner|outerT|textC|nodeV|data$)/.test(n)) hook(c.prototype, n, add);
  }));

  // Requests. A worker or worklet runs with no guard: its script (data:,
  // blob: or its own origin's, read at once) is refused when it names a
  // refused host or path prefix.
  const drop = (t, i, w) => hooks(t, (a, x) => {
    x = a[i].url || a[i];
    if (url(x) || (w && (need(), (x = get(a[i]).toLowerCase()), ready > 1 || O.keys(hosts).some((p) => x.includes(p) && !on(hosts[p]))))) a[i] = w ? 'data:,' : 'http://0.0.0.0:0/';
  });
  drop('window fetch WebSocket EventSource', 0);
  hooks('window fetch', (a, th, t) => !ready && far(new URL(a[0].url || a[0], D.baseURI)) && [wait.then(() => t.apply(th, a))]);
  drop('window Worker SharedWorker,ServiceWorkerContainer register,Worklet addModule', 0, 1);
  drop('XMLHttpRequest open', 1);
  hooks('Navigator sendBeacon', (a) => url(a[0]) && [false]);
  hooks('window open', (a) => url(a[0]) && [null]);
  const sent = (f, s) => url((s && s.getAttribute('formaction')) || f.getAttribute('action'));
  hooks('HTMLFormElement submit', (a, f) => sent(f) && []);
  W.addEventListener('submit', (e) => sent(e.target, e.submitter) && e.preventDefault(), true);

 } catch {}
})();

/*
 * Consentry banner, activation: the tags and placeholders held until their
 * category is granted. The server (and the guard, for what page scripts
 * insert) neutralises a tag by renaming its URL attributes to data-*,
 * marking it data-category and giving a script type="text/plain"; scan
 * undoes that for granted categories and puts a click-to-load placeholder
 * before a refused iframe.
 *
 * The activation contract (docs/SECURITY.md): scan acts only on elements
 * that carry the response's activation key (data-consent-key = KEY), which
 * the server stamps on what it held and on the site's own manual tagging in
 * the HTML it served, and the guard on what it holds. Markup a page script
 * or a sanitiser inserts later never has it, whatever its data-* say.
 * Nothing is activated for necessary (it is never held). reveal restores
 * only fetching URL attributes, never href on <a>/<area>, srcdoc, style or
 * event handlers, and never a javascript:, data: or vbscript: URL. When the
 * page's CSP has a script nonce, a script the server held runs only if it
 * carries that nonce: under 'strict-dynamic' a script the banner creates is
 * trusted, so the banner must not lift one the CSP would have blocked. (A
 * script the guard held, data-consent-by="script", was made by a page
 * script, whose insertions 'strict-dynamic' trusts anyway.)
 *
 * Scripts go through one promise chain so that a script without async runs
 * only after the scripts before it, as parsed scripts do.
 */

// The attributes the server renames to data-*: its own table
// (rewrite.RenamedAttrs), sent in the configuration.
// Of those, reveal never restores these: a document (srcdoc), styles, and
// whatever is not a URL to fetch.
const MOVED = (cfg.attrs || []).filter((a) => !/^(srcdoc|style|on)/.test(a));
// The page's script nonce, if its CSP has one (the banner's own).
const NONCE = (me && me.nonce) || '';

// unsafeURL reports whether a URL attribute value would run code or hold a
// document: javascript:, vbscript: or data: in any of its URLs (a srcset
// lists several; a refresh holds url=…), read as the URL parser does
// (tabs and newlines removed, leading controls and spaces ignored).
const unsafeURL = (v) => String(v).replace(/[\t\n\r]/g, '').split(/,|url\s*=/i)
  .some((u) => /^[\u0000-\u0020]*(javascript|vbscript|data):/i.test(u.replace(/^[\s'"]+/, '')));
const SKIP = /^(type|data-src|data-type|data-category|data-consent-key|data-consent-by)$/;
const seen = new WeakSet();
const hiddenBy = new WeakMap();
let chain = Promise.resolve();

const run = (old) => new Promise((done) => {
  if (!old.parentNode) return done();
  // CSP hides the nonce attribute; the property still holds it.
  const nonce = old.nonce || old.getAttribute('nonce');
  if (NONCE && nonce !== NONCE && old.getAttribute('data-consent-by') !== 'script') return done();
  const s = doc.createElement('script');
  Array.from(old.attributes).forEach((a) => { if (!SKIP.test(a.name)) s.setAttribute(a.name, a.value); });
  const type = old.getAttribute('data-type');
  if (type) s.type = type;
  if (nonce) s.nonce = nonce;
  const src = old.getAttribute('data-src') || old.getAttribute('src');
  if (src && unsafeURL(src)) return done();
  if (src) {
    if (old.hasAttribute('async')) done();
    else {
      s.async = false;
      s.onload = s.onerror = () => done();
    }
    s.src = src;
  } else {
    s.text = old.text;
    done();
  }
  old.replaceWith(s);
});

// restoreCSS puts back the URLs the server blanked in the <style> right
// before the carrier el (sdk/rewrite/style.go): a JSON list of the
// originals, in the order of the blanks; only when the counts agree.
const restoreCSS = (el) => {
  const s = el.previousElementSibling;
  try {
    const list = JSON.parse(el.textContent);
    const parts = s.textContent.split(/url\(\)\/\*consentry\*\//);
    if (s.localName === 'style' && parts.length === list.length + 1) s.textContent = parts.reduce((a, p, i) => a + list[i - 1] + p);
  } catch (e) { /* not a carrier of ours */ }
};

const reveal = (el) => {
  const link = el.tagName === 'A' || el.tagName === 'AREA';
  MOVED.forEach((a) => {
    const v = el.getAttribute('data-' + a);
    if (v == null || (link && a === 'href') || unsafeURL(v)) return;
    el.setAttribute(a, v);
    el.removeAttribute('data-' + a);
    // A lazy loader's own data-* the server set aside.
    const orig = el.getAttribute('data-consent-orig-' + a);
    if (orig != null) {
      el.setAttribute('data-' + a, orig);
      el.removeAttribute('data-consent-orig-' + a);
    }
  });
  const ph = hiddenBy.get(el);
  if (ph) {
    ph.node.remove();
    el.style.display = ph.display;
    hiddenBy.delete(el);
  }
  if (el.tagName === 'SOURCE' && el.parentNode && el.parentNode.load) el.parentNode.load();
};

// vendorOf names the vendor of a URL's host (or of a parent domain) from
// the configuration's {name: [host, …]}; '' when none is known.
const vendorOf = (src) => {
  let host = '';
  try { host = new URL(src, location.href).hostname; } catch (e) { /* not a URL */ }
  const v = cfg.vendors || {};
  for (let p = host.split('.'); p.length > 1; p.shift()) {
    const name = Object.keys(v).find((n) => v[n].indexOf(p.join('.')) >= 0);
    if (name) return name;
  }
  return '';
};

const placeholder = (el, attr) => {
  if (hiddenBy.has(el)) return;
  const key = keysOf(attr).find((k) => !granted(k));
  const name = labelOf(key);
  const who = vendorOf(el.getAttribute('data-src'));
  const node = h('div', { class: 'consentry-placeholder', lang, 'data-consent-vendor': who }, [
    h('p', { text: t(who ? 'placeholder_vendor' : 'placeholder').replace('{vendor}', () => who).replace('{category}', () => name) }),
    h('button', { type: 'button', class: 'cs-btn', 'data-consent-allow': key, text: t('placeholder_allow').replace('{category}', () => name) }),
  ]);
  // The placeholder takes the iframe's box, so that nothing moves when
  // one replaces the other; an iframe not laid out yet gives its
  // width and height attributes instead.
  const r = el.getBoundingClientRect();
  const size = (v) => v && (/^\d+$/.test(v) ? v + 'px' : v);
  node.style.width = r.width ? r.width + 'px' : size(el.getAttribute('width'));
  node.style.height = r.height ? r.height + 'px' : size(el.getAttribute('height'));
  if (r.height) node.style.minHeight = 0;
  if (r.width && getComputedStyle(el).display !== 'inline') node.style.display = 'block';
  hiddenBy.set(el, { node, display: el.style.display });
  el.style.display = 'none';
  el.before(node);
};

// scan activates the granted elements under root in document order and
// puts placeholders before refused iframes.
const scan = (root) => {
  const list = root.matches && root.matches('[data-category]') ? [root] : [];
  list.push(...root.querySelectorAll('[data-category]'));
  list.forEach((el) => {
    const attr = el.getAttribute('data-category');
    if (!KEY || el.getAttribute('data-consent-key') !== KEY) return;
    if (!ours(attr) || keysOf(attr).indexOf('necessary') >= 0) return;
    const ok = keysOf(attr).every(granted);
    // A carrier (in <svg> too, where tagName is lowercase).
    if (el.hasAttribute('data-consent-css')) {
      if (ok) restoreCSS(el);
      return;
    }
    if (el.tagName === 'SCRIPT') {
      if (ok && el.type === 'text/plain' && !seen.has(el)) {
        seen.add(el);
        chain = chain.then(() => run(el));
      }
      return;
    }
    if (el.tagName === 'STYLE') {
      // A held <style> applies again once its type is restored.
      // (type="" means text/css.)
      if (ok && el.type === 'text/plain') el.type = el.getAttribute('data-type') || '';
      return;
    }
    if (!MOVED.some((a) => el.hasAttribute('data-' + a))) return;
    if (ok) reveal(el);
    else if (el.tagName === 'IFRAME' && el.hasAttribute('data-src')) placeholder(el, attr);
  });
};

// watch scans what is added to the document later (a tag manager, a
// single-page app, the guard's held tags once inserted).
const watch = () => {
  if (win.MutationObserver) {
    new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => {
      if (n.nodeType === 1) scan(n);
    }))).observe(doc.documentElement, { childList: true, subtree: true });
  }
};

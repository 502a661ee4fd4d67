/*
 * Consentry banner, activation: the tags and placeholders held until their
 * category is granted. The server (and the guard, for what page scripts
 * insert) neutralises a tag by renaming its URL attributes to data-*,
 * marking it data-category and giving a script type="text/plain"; scan
 * undoes that for granted categories and puts a click-to-load placeholder
 * before a refused iframe.
 *
 * Scripts go through one promise chain so that a script without async runs
 * only after the scripts before it, as parsed scripts do.
 */

// The attributes the server renames to data-*: its own table
// (rewrite.RenamedAttrs), sent in the configuration.
const MOVED = cfg.attrs || [];
const SKIP = /^(type|data-src|data-type|data-category)$/;
const seen = new WeakSet();
const hiddenBy = new WeakMap();
let chain = Promise.resolve();

const run = (old) => new Promise((done) => {
  if (!old.parentNode) return done();
  const s = doc.createElement('script');
  Array.from(old.attributes).forEach((a) => { if (!SKIP.test(a.name)) s.setAttribute(a.name, a.value); });
  const type = old.getAttribute('data-type');
  if (type) s.type = type;
  // CSP hides the nonce attribute; the property still holds it.
  const nonce = old.nonce || old.getAttribute('nonce');
  if (nonce) s.nonce = nonce;
  const src = old.getAttribute('data-src') || old.getAttribute('src');
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

const reveal = (el) => {
  MOVED.forEach((a) => {
    const v = el.getAttribute('data-' + a);
    if (v == null) return;
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

const placeholder = (el, attr) => {
  if (hiddenBy.has(el)) return;
  const key = keysOf(attr).find((k) => !granted(k));
  const name = labelOf(key);
  const node = h('div', { class: 'consentry-placeholder', lang }, [
    h('p', { text: t('placeholder').replace('{category}', name) }),
    h('button', { type: 'button', class: 'cs-btn', 'data-consent-allow': key, text: t('placeholder_allow').replace('{category}', name) }),
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
    if (!ours(attr)) return;
    const ok = keysOf(attr).every(granted);
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

/*
 * Consentry banner, core: the visitor's state and the site's configuration,
 * the helpers every part uses, and the choice: posting it, taking the
 * server's new state, deleting refused cookies and telling the vendors.
 *
 * The banner is three parts, joined in order into one script (banner.js) by
 * the Go package, inside one function scope, so they share names as one file
 * would: core.js, activate.js (tags held until their category is granted)
 * and ui.js (the banner, the preference centre, the floating button, and the
 * start). core.js reaches into the others only through scan (activate.js)
 * and settle, showError and announce (ui.js), which it calls after the start.
 * Vanilla ES2017, no dependencies, no third-party requests.
 *
 * The page carries, from the server:
 *   #consent-state        the visitor's consent state, inline JSON; its
 *                         data-show="false" (crawlers) keeps the banner shut,
 *                         its data-key is the response's activation key
 *   self.consentryConfig  endpoint, policy links, language, texts,
 *                         categories, the vendor signal table and the
 *                         attributes the server renames, set by the deferred
 *                         configuration script
 */
const doc = document;
const win = window;
const me = doc.currentScript;

const read = (id) => {
  const el = doc.getElementById(id);
  try {
    return el ? JSON.parse(el.textContent) : null;
  } catch (e) {
    return null;
  }
};

let state = read('consent-state') || { categories: { necessary: true }, signals: {} };
// The response's activation key: the server stamped it (data-consent-key)
// on every tag it held and on the site's own manual tagging, and the guard
// on what it holds. Nothing without it is ever activated (activate.js).
const stateEl = doc.getElementById('consent-state');
const KEY = (stateEl && stateEl.getAttribute('data-key')) || '';
const cfg = win.consentryConfig || {};
const texts = cfg.texts || {};
const lang = cfg.lang || null;
const cats = cfg.categories ||
  Object.keys(state.categories || {}).map((key) => ({ key, locked: key === 'necessary' }));
const known = {};
cats.forEach((c) => { known[c.key] = c; });

const t = (key) => texts[key] || key;
const labelOf = (key) => (known[key] && known[key].label) || texts['cat.' + key + '.label'] || key;
const granted = (key) => !!(state.categories && state.categories[key]);
const keysOf = (attr) => (attr || '').split(/[\s,]+/).filter(Boolean);
// A data-category value is ours only when every key in it is a configured
// category; anything else belongs to the site and is left alone.
const ours = (attr) => keysOf(attr).length > 0 && keysOf(attr).every((k) => known[k]);

// mine holds the elements the banner built: only they can make a choice
// (ui.js), whatever markup the page holds.
const mine = new WeakSet();

// h builds an element; props are attributes, except text (textContent).
const h = (tag, props, kids) => {
  const e = doc.createElement(tag);
  mine.add(e);
  Object.keys(props || {}).forEach((k) => {
    const v = props[k];
    if (v == null || v === false) return;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  });
  (kids || []).forEach((c) => { if (c) e.append(c); });
  return e;
};

// clearCookies deletes the visible cookies of refused categories, on this
// host and each parent domain. HttpOnly ones are the server's job.
const clearCookies = () => {
  const names = doc.cookie.split(';').map((c) => c.split('=')[0].trim()).filter(Boolean);
  const parts = location.hostname.split('.');
  cats.forEach((c) => {
    if (granted(c.key) || !c.cookies) return;
    const pats = c.cookies.map((p) => String((p && p.name) || p));
    names.filter((n) => pats.some((p) => (p.slice(-1) === '*' ? n.indexOf(p.slice(0, -1)) === 0 : n === p)))
      .forEach((n) => {
        doc.cookie = n + '=; Max-Age=0; path=/';
        for (let i = 0; i < parts.length - 1; i++) {
          doc.cookie = n + '=; Max-Age=0; path=/; domain=.' + parts.slice(i).join('.');
        }
      });
  });
};

// signals tells every vendor the site uses the state, from the server's
// table of [vendor, signal, category] rows, the one its inline defaults
// come from (a signal is granted when its category is). The stubs the
// server put first in <head> make each call safe before the vendor's
// script loads; Meta's, while fbq is not yet set, reads the state block
// when the snippet sets it.
const signals = () => {
  const v = {};
  (cfg.signals || []).forEach(([n, s, k]) => { (v[n] = v[n] || {})[s] = granted(k) ? 'granted' : 'denied'; });
  const fn = (n) => typeof win[n] === 'function';
  const yes = (n) => v[n].consent === 'granted';
  if (v.google && fn('gtag')) win.gtag('consent', 'update', v.google);
  if (v.uet) (win.uetq = win.uetq || []).push('consent', 'update', v.uet);
  if (v.clarity && fn('clarity')) win.clarity('consentv2', v.clarity);
  if (v.meta && fn('fbq')) win.fbq('consent', yes('meta') ? 'grant' : 'revoke');
  if (v.tiktok) {
    const q = win.ttq = win.ttq || [];
    const m = (yes('tiktok') ? 'grant' : 'revoke') + 'Consent';
    if (q[m]) q[m](); else q.push([m]);
  }
};

// apply takes the server's new state: it updates the page's state block,
// deletes refused cookies, tells the vendors (signals), activates granted tags,
// hides the banner and announces consent:change (ui.js, the page API).
const apply = (next) => {
  state = next;
  let node = doc.getElementById('consent-state');
  if (!node) {
    node = h('script', { type: 'application/json', id: 'consent-state' });
    doc.head.append(node);
  }
  node.textContent = JSON.stringify(next);
  clearCookies();
  signals();
  scan(doc);
  // What the guard held and the page never inserted (pixels); a script
  // waits for its insertion.
  ((stateEl && stateEl.held) || []).forEach((el) => el.isConnected || el.tagName === 'SCRIPT' || scan(el));
  settle();
  announce('consent:change');
};

// choose posts a choice ("accept_all", "reject_all" or "custom" with the
// granted keys) to the endpoint and applies the state it answers with.
let busy = false;
const choose = (action, keys) => {
  if (busy) return Promise.reject(new Error('consentry: a choice is being saved'));
  busy = true;
  showError('');
  const body = { action };
  if (action === 'custom') body.categories = keys.filter((k, i) => keys.indexOf(k) === i);
  return fetch(cfg.endpoint || '/_consent', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => {
    if (!r.ok) throw new Error('consentry: HTTP ' + r.status);
    return r.json();
  }).then((next) => {
    if (!next || typeof next.categories !== 'object') throw new Error('consentry: bad state');
    busy = false;
    apply(next);
    return next;
  }, (err) => {
    busy = false;
    showError(t('error'));
    throw err;
  });
};
const grantedKeys = () => Object.keys(state.categories || {}).filter(granted);
const quiet = (p) => p.catch(() => {});

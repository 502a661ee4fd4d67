/*
 * Consentry banner, interface: the first layer, the preference centre with
 * its cookie tables, the floating settings button, focus handling, the
 * clicks that make a choice, the page API (self.consentry) and the start.
 */

// The minified banner.css, put in by the Go package: the script applies
// the styles itself, so no stylesheet holds up the page's first paint.
const CSS = '@CSS@';

const btn = (action, key) =>
  h('button', { type: 'button', class: 'cs-btn', 'data-consent-action': action, text: t(key || action) });
const links = () => h('span', { class: 'cs-links' }, [
  cfg.privacyUrl && h('a', { href: cfg.privacyUrl, text: t('privacy_link') }),
  cfg.cookieUrl && h('a', { href: cfg.cookieUrl, text: t('cookies_link') }),
]);
// In the opt-out regime the Do Not Sell control says it (optout.js).
const gpc = () => state.regime !== 'opt-out' && state.signals && state.signals.gpc && !granted('advertising') &&
  h('p', { class: 'cs-gpc', text: t('gpc_honoured') });
// Why a visitor who had chosen is asked again: "policy" or "expired".
const reask = stateEl && stateEl.dataset.reask;
const reaskNote = () => reask && texts['reask_' + reask] &&
  h('p', { class: 'cs-gpc', 'data-consent-reask': reask, text: t('reask_' + reask) });
// One error line in each layer; showError sets both ('' clears them).
const errs = [0, 1].map(() => h('p', { class: 'cs-err', 'aria-live': 'assertive' }));
const showError = (text) => errs.forEach((e) => { e.textContent = text; });

// 1. The first layer: a non-modal region fixed at the bottom (layout
// "bar"), a box in the corner ("box"), or a modal dialog centred over the
// page ("modal", focus kept inside until a choice). Its text is in .cs-txt,
// which scrolls on a phone while the buttons stay in view.
// cfg.dir ("ltr" or "rtl") is the language's direction, whatever the page's.
const layout = cfg.layout || 'bar';
const modal = layout === 'modal';
const logo = cfg.logo && h('img', { class: 'cs-logo', src: cfg.logo.src, alt: cfg.logo.alt || '' });
const banner = h('div', {
  id: 'consentry-banner', class: 'cs-' + layout, role: modal ? 'dialog' : 'region', 'aria-modal': modal && 'true',
  'aria-label': rt('title'), tabindex: modal && -1, lang, dir: cfg.dir, hidden: true,
}, [
  h('div', { class: 'cs-in' }, [
    h('div', { class: 'cs-txt' }, [
      logo,
      h('h2', { class: 'cs-h', text: rt('title') }),
      reaskNote(),
      h('p', { class: 'cs-p' }, [rt('body'), ' ', links()]),
      gpc(),
      dnss(),
      errs[0],
    ]),
    h('div', { class: 'cs-btns' }, [btn('accept_all'), btn('reject_all'), btn('customise')]),
  ]),
]);

// cookieTable lists a category's cookies: name, purpose, lifetime and who
// sets them, in a table under a disclosure. Bare names are accepted too
// (the page carries only names; fill puts in the rest once fetched).
const cols = ['name', 'purpose', 'lifetime', 'party'];
const bodies = {};
const trs = (list) => (list || []).map((x) => (typeof x === 'string' ? { name: x } : x || {}))
  .map((x) => h('tr', {}, cols.map((k, i) => h(i ? 'td' : 'th', {
    scope: i ? null : 'row', text: (k === 'party' ? texts['party_' + x.party] || x.party : x[k]) || '',
  }))));
const cookieTable = (c) => {
  const ck = trs(c.cookies);
  if (!ck.length) return null;
  return h('details', { class: 'cs-ck' }, [
    h('summary', { text: t('cookie_list') + ' (' + ck.length + ')' }),
    h('table', {}, [
      h('thead', {}, [h('tr', {}, cols.map((k) => h('th', { scope: 'col', text: t('cookie_' + k) })))]),
      bodies[c.key] = h('tbody', {}, ck),
    ]),
  ]);
};
// fill fetches the cookie tables' details (purpose, lifetime, party) the
// first time the preference centre opens; if that fails the names stay.
let filled = 0;
const fill = () => {
  if (filled || !cfg.cookieData) return;
  filled = fetch(cfg.cookieData, { credentials: 'same-origin' }).then((r) => r.json()).then((d) => {
    Object.keys(bodies).forEach((k) => { if (d[k]) bodies[k].replaceChildren(...trs(d[k])); });
  }).catch(() => { filled = 0; });
};

// 2. The preference centre: a modal <dialog> with one switch per category.
const meta = h('p', { class: 'cs-meta' });
const rows = cats.map((c) => {
  const id = 'cs-c-' + c.key;
  const locked = c.locked || c.key === 'necessary';
  const desc = c.description || texts['cat.' + c.key + '.description'] || '';
  return h('li', { class: 'cs-cat' }, [
    h('div', { class: 'cs-row' }, [
      h('label', { for: id, text: labelOf(c.key) }),
      locked && h('span', { class: 'cs-on', text: t('always_on') }),
      h('input', {
        type: 'checkbox', role: 'switch', id, name: 'category', value: c.key,
        'aria-describedby': desc ? id + '-d' : null, disabled: locked,
      }),
    ]),
    desc && h('p', { class: 'cs-d', id: id + '-d', text: desc }),
    cookieTable(c),
  ]);
});
const prefs = h('dialog', { id: 'consentry-prefs', 'aria-labelledby': 'cs-pt', lang, dir: cfg.dir, tabindex: -1 }, [
  h('div', { class: 'cs-in' }, [
    h('div', { class: 'cs-top' }, [
      h('h2', { class: 'cs-h', id: 'cs-pt', text: t('prefs_title') }),
      h('button', { type: 'button', class: 'cs-x', 'data-consent-action': 'close', 'aria-label': t('close'), text: '\u00d7' }),
    ]),
    h('p', { class: 'cs-p' }, [t('prefs_body'), ' ', links()]),
    gpc(),
    dnss(),
    h('ul', { class: 'cs-cats' }, rows),
    meta,
    errs[1],
  ]),
  // Outside the scrolling part, so Save stays in view and covers nothing.
  h('div', { class: 'cs-btns' }, [btn('accept_all'), btn('reject_all'), btn('save')]),
]);
// trap makes Tab and Shift+Tab wrap inside el: the open preference
// centre, and the first layer when it is modal.
const trap = (el) => el.addEventListener('keydown', (e) => {
  if (e.key !== 'Tab') return;
  const f = Array.from(el.querySelectorAll('a[href],button,input:not(:disabled),summary'))
    .filter((x) => x.getClientRects().length);
  const cur = doc.activeElement;
  if (f.length && (cur === (e.shiftKey ? f[0] : f[f.length - 1]) || (e.shiftKey && cur === el))) {
    e.preventDefault();
    (e.shiftKey ? f[f.length - 1] : f[0]).focus();
  }
});
trap(prefs);
if (modal) trap(banner);
const switches = () => Array.from(prefs.querySelectorAll('input[name=category]'));

const when = (s) => {
  const d = new Date(s);
  return isNaN(d) ? s : d.toLocaleString(lang || undefined);
};

// sync makes the switches and the consent id/date show the current state.
// Before a choice nothing is ticked (opt-out regimes show their defaults).
const sync = () => {
  const shown = state.decided || state.regime === 'opt-out';
  switches().forEach((i) => {
    i.checked = i.disabled || (shown && granted(i.value));
    i.setAttribute('aria-checked', i.checked);
  });
  optSync();
  meta.textContent = '';
  if (state.decided && state.id) {
    meta.append(h('span', { text: t('consent_id') + ': ' + state.id }),
      h('span', { text: t('consent_date') + ': ' + when(state.time) }));
  }
};
prefs.addEventListener('change', (e) => e.target.setAttribute('aria-checked', e.target.checked));

let opener = null;
const open = () => {
  sync();
  fill();
  if (prefs.open || !prefs.isConnected) return;
  opener = doc.activeElement;
  if (prefs.showModal) prefs.showModal();
  else prefs.setAttribute('open', '');
  // Focus the dialog itself, not its first button: a link opened it on
  // Enter's keydown, and the keypress that follows would press that button.
  prefs.focus();
};
const close = () => {
  if (!prefs.open) return;
  if (prefs.close) prefs.close();
  else prefs.removeAttribute('open');
};
// Escape fires cancel and then close on a modal dialog: nothing is granted.
prefs.addEventListener('close', () => {
  if (opener && opener.focus && opener.isConnected && !opener.closest('[hidden]')) opener.focus();
  opener = null;
});

let floating = null;
const showFloating = () => {
  if (!cfg.floating || !state.decided || floating || !doc.body) return;
  floating = h('button', { type: 'button', id: 'consentry-settings', 'data-consent-open': true, lang, dir: cfg.dir, text: t('settings') });
  doc.body.append(floating);
};

// settle shows a choice just applied: the switches follow the new state,
// the banner and the preference centre close, the floating button appears.
const settle = () => {
  sync();
  banner.hidden = true;
  close();
  showFloating();
};

// A click decides only on a control the banner built (its layers, its
// placeholders), and only when the visitor made it (a page script's
// el.click() is not trusted). Anything in the page may open the preference
// centre (data-consent-open, a link to #consent), never decide.
doc.addEventListener('click', (e) => {
  const el = e.target.closest &&
    e.target.closest('[data-consent-action],[data-consent-allow],[data-consent-open],a[href$="#consent"]');
  if (!el) return;
  const decides = mine.has(el) && e.isTrusted;
  const act = decides && el.getAttribute('data-consent-action');
  const allow = decides && el.getAttribute('data-consent-allow');
  if (!decides && !el.matches('[data-consent-open],a[href$="#consent"]')) return;
  e.preventDefault();
  if (act === 'accept_all' || act === 'reject_all') quiet(choose(act));
  else if (act === 'save') quiet(choose('custom', switches().filter((i) => i.checked).map((i) => i.value)));
  else if (act === 'close') close();
  else if (act === 'opt_out') quiet(optOut());
  else if (allow) quiet(choose('custom', grantedKeys().concat(allow)));
  else open();
});

// style applies the banner's styles: a constructed stylesheet, which CSP's
// style-src does not govern, else a <style> with the script's nonce.
const style = () => {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS + (cfg.css || ''));
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.concat(sheet);
  } catch (e) {
    doc.head.append(h('style', { nonce: me && me.nonce, text: CSS + (cfg.css || '') }));
  }
};

const init = () => {
  style();
  doc.body.prepend(banner);
  doc.body.append(prefs);
  banner.hidden = !!state.decided || (!!stateEl && stateEl.dataset.show === 'false');
  if (modal && !banner.hidden) banner.focus({ preventScroll: true });
  scan(doc);
  showFloating();
  watch();
  if (location.hash === '#consent') open();
  ready = 1;
  announce('consent:ready');
};

// The page API (docs/API.md, banner/consentry.d.ts). Every state it
// hands out is a frozen copy (snap), so no page script can alter the
// banner's; the object is frozen and window.consentry cannot be replaced.
// consent:ready and consent:change carry the copy in detail; onChange
// answers only the banner's own events (a page script may dispatch a
// forged one), onReady calls back once, after the start.
const snap = () => {
  const s = JSON.parse(JSON.stringify(state));
  [s.categories, s.signals, s].forEach((o) => o && Object.freeze(o));
  return s;
};
let sent = null;
let ready = 0;
const announce = (type) => {
  sent = snap();
  doc.dispatchEvent(new CustomEvent(type, { detail: sent }));
};
const on = (type, cb) => {
  const f = (e) => { if (e.detail === sent) cb(sent); };
  doc.addEventListener(type, f);
  return () => doc.removeEventListener(type, f);
};
const api = Object.freeze({
  open,
  close,
  accept: () => choose('accept_all'),
  reject: () => choose('reject_all'),
  save: (keys) => choose('custom', Array.isArray(keys) ? keys.map(String) : []),
  state: snap,
  onChange: (cb) => on('consent:change', cb),
  onReady: (cb) => {
    if (ready) Promise.resolve().then(() => cb(snap()));
    else {
      const off = on('consent:ready', (s) => { off(); cb(s); });
    }
  },
});
try {
  Object.defineProperty(win, 'consentry', { value: api, enumerable: true });
} catch (e) { /* the page made its own, unconfigurable: leave it */ }

if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', init);
else init();

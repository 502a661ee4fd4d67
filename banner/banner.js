/*
 * Consentry banner: the first layer, the preference centre, click-to-load
 * placeholders and the activation of tags once their category is granted.
 * Vanilla ES2017, no dependencies, no third-party requests.
 *
 * The page carries, from the server:
 *   #consent-state        the visitor's consent state, inline JSON; its
 *                         data-show="false" (crawlers) keeps the banner shut
 *   self.consentryConfig  endpoint, policy links, language, texts and
 *                         categories, set by the deferred configuration script
 */
(() => {
  'use strict';
  const doc = document;
  const win = window;
  // The minified banner.css, put in by the Go package: the script applies
  // the styles itself, so no stylesheet holds up the page's first paint.
  const CSS = '@CSS@';
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

  // h builds an element; props are attributes, except text (textContent).
  const h = (tag, props, kids) => {
    const e = doc.createElement(tag);
    Object.keys(props || {}).forEach((k) => {
      const v = props[k];
      if (v == null || v === false) return;
      if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    });
    (kids || []).forEach((c) => { if (c) e.append(c); });
    return e;
  };
  const btn = (action, key) =>
    h('button', { type: 'button', class: 'cs-btn', 'data-consent-action': action, text: t(key || action) });
  const links = () => h('span', { class: 'cs-links' }, [
    cfg.privacyUrl && h('a', { href: cfg.privacyUrl, text: t('privacy_link') }),
    cfg.cookieUrl && h('a', { href: cfg.cookieUrl, text: t('cookies_link') }),
  ]);
  const gpc = () => state.signals && state.signals.gpc &&
    h('p', { class: 'cs-gpc', text: t('gpc_honoured') });
  // Why a visitor who had chosen is asked again: "policy" or "expired".
  const stateEl = doc.getElementById('consent-state');
  const reask = stateEl && stateEl.dataset.reask;
  const reaskNote = () => reask && texts['reask_' + reask] &&
    h('p', { class: 'cs-gpc', 'data-consent-reask': reask, text: t('reask_' + reask) });
  const errs = [h('p', { class: 'cs-err', 'aria-live': 'assertive' }), h('p', { class: 'cs-err', 'aria-live': 'assertive' })];

  // 1. The first layer: a non-modal region fixed at the bottom.
  const banner = h('div', { id: 'consentry-banner', role: 'region', 'aria-label': t('title'), lang, hidden: true }, [
    h('div', { class: 'cs-in' }, [
      h('h2', { class: 'cs-h', text: t('title') }),
      reaskNote(),
      h('p', { class: 'cs-p' }, [t('body'), ' ', links()]),
      gpc(),
      errs[0],
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
  const prefs = h('dialog', { id: 'consentry-prefs', 'aria-labelledby': 'cs-pt', lang, tabindex: -1 }, [
    h('div', { class: 'cs-in' }, [
      h('div', { class: 'cs-top' }, [
        h('h2', { class: 'cs-h', id: 'cs-pt', text: t('prefs_title') }),
        h('button', { type: 'button', class: 'cs-x', 'data-consent-action': 'close', 'aria-label': t('close'), text: '\u00d7' }),
      ]),
      h('p', { class: 'cs-p' }, [t('prefs_body'), ' ', links()]),
      gpc(),
      h('ul', { class: 'cs-cats' }, rows),
      meta,
      errs[1],
      h('div', { class: 'cs-btns' }, [btn('accept_all'), btn('reject_all'), btn('save')]),
    ]),
  ]);
  // Tab and Shift+Tab wrap inside the open preference centre.
  prefs.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const f = Array.from(prefs.querySelectorAll('a[href],button,input:not(:disabled),summary'))
      .filter((x) => x.getClientRects().length);
    const cur = doc.activeElement;
    if (f.length && (cur === (e.shiftKey ? f[0] : f[f.length - 1]) || (e.shiftKey && cur === prefs))) {
      e.preventDefault();
      (e.shiftKey ? f[f.length - 1] : f[0]).focus();
    }
  });
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
    floating = h('button', { type: 'button', id: 'consentry-settings', 'data-consent-open': true, lang, text: t('settings') });
    doc.body.append(floating);
  };

  // 3. Activation. Scripts go through one promise chain so that a script
  // without async runs only after the scripts before it, as parsed scripts do.
  // The attributes the server renames to data-* (and the guard, for src).
  // (Obsolete fetchers the server also holds, lowsrc, archive, codebase and
  // manifest, are never fetched by current browsers and stay held.)
  const MOVED = 'src srcset href poster data style srcdoc content background ping imagesrcset xlink:href'.split(' ');
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

  const consentMode = () => {
    const g = (k) => (granted(k) ? 'granted' : 'denied');
    return {
      ad_storage: g('advertising'), ad_user_data: g('advertising'), ad_personalization: g('advertising'),
      analytics_storage: g('analytics'),
      functionality_storage: g('preferences'), personalization_storage: g('preferences'),
      security_storage: 'granted',
    };
  };

  // apply takes the server's new state: it updates the page's state block,
  // deletes refused cookies, tells Consent Mode, activates granted tags,
  // hides the banner and announces consent:change.
  const apply = (next) => {
    state = next;
    let node = doc.getElementById('consent-state');
    if (!node) {
      node = h('script', { type: 'application/json', id: 'consent-state' });
      doc.head.append(node);
    }
    node.textContent = JSON.stringify(next);
    clearCookies();
    if (typeof win.gtag === 'function') win.gtag('consent', 'update', consentMode());
    scan(doc);
    sync();
    banner.hidden = true;
    close();
    showFloating();
    doc.dispatchEvent(new CustomEvent('consent:change', { detail: next }));
  };

  let busy = false;
  const choose = (action, keys) => {
    if (busy) return Promise.reject(new Error('consentry: a choice is being saved'));
    busy = true;
    errs.forEach((e) => { e.textContent = ''; });
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
      errs.forEach((e) => { e.textContent = t('error'); });
      throw err;
    });
  };
  const grantedKeys = () => Object.keys(state.categories || {}).filter(granted);
  const quiet = (p) => p.catch(() => {});

  doc.addEventListener('click', (e) => {
    const el = e.target.closest &&
      e.target.closest('[data-consent-action],[data-consent-allow],[data-consent-open],a[href$="#consent"]');
    if (!el) return;
    e.preventDefault();
    const act = el.getAttribute('data-consent-action');
    const allow = el.getAttribute('data-consent-allow');
    if (act === 'accept_all' || act === 'reject_all') quiet(choose(act));
    else if (act === 'save') quiet(choose('custom', switches().filter((i) => i.checked).map((i) => i.value)));
    else if (act === 'close') close();
    else if (allow) quiet(choose('custom', grantedKeys().concat(allow)));
    else open();
  });

  // style applies the banner's styles: a constructed stylesheet, which CSP's
  // style-src does not govern, else a <style> with the script's nonce.
  const style = () => {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.concat(sheet);
    } catch (e) {
      doc.head.append(h('style', { nonce: me && me.nonce, text: CSS }));
    }
  };

  const init = () => {
    style();
    doc.body.prepend(banner);
    doc.body.append(prefs);
    banner.hidden = !!state.decided || (!!stateEl && stateEl.dataset.show === 'false');
    scan(doc);
    showFloating();
    if (win.MutationObserver) {
      new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => {
        if (n.nodeType === 1) scan(n);
      }))).observe(doc.documentElement, { childList: true, subtree: true });
    }
    if (location.hash === '#consent') open();
  };

  win.consentry = {
    open,
    close,
    accept: () => choose('accept_all'),
    reject: () => choose('reject_all'),
    save: (keys) => choose('custom', keys || []),
    state: () => JSON.parse(JSON.stringify(state)),
  };

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', init);
  else init();
})();

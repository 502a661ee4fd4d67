/*
 * Consentry guard: the first script in <head>, inline, before any page
 * script. It holds inert every script, iframe, image, embed, source and link
 * that a page script points at a catalogued host of a refused category, the
 * way the server neutralises tags in the HTML: the URL moves to data-src
 * (data-srcset, data-href), data-category names the category and a script
 * gets type="text/plain" (its own type kept in data-type). The banner
 * activates them when the category is granted; the guard releases the ones
 * never inserted into the document (new Image() pixels) itself.
 *
 * It reads #consent-hosts ({category: [host, ...]}, inline right before it)
 * once and #consent-state on every check, so a choice takes effect at once.
 * It stamps what it holds with the response's activation key (the data-key
 * of #consent-state), as the server stamps what it holds: the banner
 * activates nothing else.
 * It never throws: anything unexpected lets the original setter run.
 */
(() => {
  const doc = document;
  const EP = Element.prototype;
  const setAttr = EP.setAttribute;
  const json = (id) => {
    try {
      return JSON.parse(doc.getElementById(id).textContent);
    } catch (e) {
      return {};
    }
  };
  // host (lowercase, no port) → category key
  const hosts = {};
  const byCategory = json('consent-hosts');
  Object.keys(byCategory).forEach((k) => {
    if (k !== 'necessary') [].concat(byCategory[k]).forEach((h) => { hosts[String(h).toLowerCase()] = k; });
  });
  const st = doc.getElementById('consent-state');
  const key = (st && st.getAttribute('data-key')) || '';
  // on reads the live #consent-state: the banner rewrites it on a choice.
  const on = (key) => !!(json('consent-state').categories || {})[key];

  // refused returns the refused category of the first URL in value (a src,
  // href or srcset) whose host or a parent domain of it is catalogued.
  const refused = (value) => {
    let hit = '';
    String(value).split(',').forEach((part) => {
      try {
        let h = new URL(part.trim().split(/\s/)[0], location.href).hostname;
        for (; h && h !== location.hostname; h = h.slice(h.indexOf('.') + 1 || h.length)) {
          if (hosts[h]) {
            if (!on(hosts[h])) hit = hit || hosts[h];
            return;
          }
        }
      } catch (e) {}
    });
    return hit;
  };

  // The URL properties watched, by interface; setAttribute checks the same.
  const watched = { src: [], srcset: [], href: [] };
  let held = [];

  EP.setAttribute = function (name, value) {
    try {
      const a = String(name).toLowerCase();
      const k = (watched[a] || []).some((p) => p.isPrototypeOf(this)) && refused(value);
      if (k) {
        setAttr.call(this, 'data-category', k);
        setAttr.call(this, 'data-consent-key', key);
        setAttr.call(this, 'data-consent-by', 'script');
        setAttr.call(this, 'data-' + a, value);
        if (this.tagName === 'SCRIPT' && this.type !== 'text/plain') {
          if (this.type) setAttr.call(this, 'data-type', this.type);
          this.type = 'text/plain';
        }
        held.push([this, a]);
        return;
      }
    } catch (e) {}
    return setAttr.apply(this, arguments);
  };

  // The reflecting properties go through setAttribute, as their own setters
  // set the attribute.
  'Script src,IFrame src,Image src,Image srcset,Embed src,Source src,Source srcset,Link href'.split(',').forEach((cp) => {
    try {
      const [c, p] = cp.split(' ');
      const proto = window['HTML' + c + 'Element'].prototype;
      const d = Object.getOwnPropertyDescriptor(proto, p);
      Object.defineProperty(proto, p, { configurable: true, get: d.get, set(v) { this.setAttribute(p, v); } });
      watched[p].push(proto);
    } catch (e) {}
  });

  // After a choice, give the held elements the banner cannot see (never
  // inserted: pixels) their URL back. Scripts wait for their insertion,
  // which the banner's observer handles.
  doc.addEventListener('consent:change', () => {
    held = held.filter(([el, a]) => {
      const v = el.getAttribute('data-' + a);
      if (v == null) return false;
      if (el.tagName === 'SCRIPT' || !on(el.getAttribute('data-category'))) return true;
      el.removeAttribute('data-' + a);
      el.setAttribute(a, v);
      return false;
    });
  });
})();

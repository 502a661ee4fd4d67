/*
 * Consentry GPP: the IAB Global Privacy Platform CMP API v1.1 (__gpp),
 * written inline in <head>, right after the vendor signals and before any
 * tag, on sites that turn the GPP on.
 *
 * The server knows the visitor's GPP string when it writes the page (the
 * "gpp" member of #consent-state, which comes before this script), so the
 * API is whole from its first line: every command is answered at once,
 * cmpStatus is "loaded" and signalStatus "ready", and there is no queue
 * for a later script to drain. After a choice or a withdrawal the banner
 * takes the server's new state, which carries the new string, and
 * announces consent:change; this script then tells every listener
 * (sectionChange per section, then signalStatus "ready").
 *
 * Frames: the __gppLocator frame marks this window as the one with the
 * API, and {__gppCall:{command, parameter, version, callId}} messages
 * (objects or their JSON) are answered with {__gppReturn:{returnValue,
 * success, callId}} in kind.
 *
 * The script element carries data-cmp (the CMP id) and data-apis (the
 * supported sections, "7:usnat,8:usca").
 */
(() => {
  'use strict';
  const w = window;
  const d = document;
  const me = d.currentScript;
  const attr = (n) => (me && me.getAttribute(n)) || '';
  const cmpId = +attr('data-cmp') || 1;
  const apis = attr('data-apis').split(',').filter(Boolean);
  const none = { string: 'DBAA', sid: [-1], sections: {} };
  let g = none;
  try {
    g = JSON.parse(d.getElementById('consent-state').textContent).gpp || none;
  } catch (e) { /* no state: no section applies */ }

  // copy gives callers their own objects, so none can change ours.
  const copy = (v) => (v == null ? null : JSON.parse(JSON.stringify(v)));
  const shown = () => !!d.querySelector('#consentry-banner:not([hidden]),#consentry-prefs[open]');
  const ping = () => ({
    gppVersion: '1.1',
    cmpStatus: 'loaded',
    cmpDisplayStatus: shown() ? 'visible' : 'hidden',
    signalStatus: 'ready',
    supportedAPIs: apis.slice(),
    cmpId,
    sectionList: g.sid[0] === -1 ? [] : g.sid.slice(),
    applicableSections: g.sid.slice(),
    gppString: g.string,
    parsedSections: copy(g.sections),
  });
  const listeners = new Map();
  let nextId = 0;
  const event = (eventName, listenerId, data) => ({ eventName, listenerId, data, pingData: ping() });
  // tell calls one listener; one that throws does not keep the others
  // from being told.
  const tell = (cb, name, id, data) => {
    try {
      cb(event(name, id, data), true);
    } catch (e) {
      setTimeout(() => { throw e; });
    }
  };
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const has = (name) => own(g.sections, name);

  // Each command answers (value, success); success is false when there
  // is nothing to answer with, as the IAB's reference CMP does.
  const commands = {
    ping: (cb) => cb(ping(), true),
    addEventListener: (cb) => {
      const id = nextId++;
      listeners.set(id, cb);
      cb(event('listenerRegistered', id, true), true);
    },
    removeEventListener: (cb, id) => {
      const ok = listeners.delete(+id);
      if (cb) cb(event('listenerRemoved', +id, ok), true);
    },
    hasSection: (cb, p) => cb(has(String(p)), true),
    getSection: (cb, p) => {
      const v = has(String(p)) ? copy(g.sections[p]) : null;
      cb(v, v !== null);
    },
    getField: (cb, p) => {
      const [sec, field, more] = String(p).split('.');
      const s = more === undefined && has(sec) ? g.sections[sec] : null;
      const v = s && own(s, field) ? copy(s[field]) : null;
      cb(v, v !== null);
    },
  };
  const api = function (command, callback, parameter) {
    const cb = typeof callback === 'function' ? callback : null;
    const run = own(commands, command) ? commands[command] : null;
    if (!run) {
      if (cb) cb(null, false);
      return;
    }
    if (!cb && command !== 'removeEventListener') return;
    run(cb, parameter);
  };
  w.__gpp = api;

  // A choice or a withdrawal: the banner's new state carries the new
  // string.
  d.addEventListener('consent:change', (e) => {
    const next = e.detail && e.detail.gpp;
    if (!next || next.string === g.string) return;
    const was = g.sections;
    g = next;
    // The sections that changed, came or went.
    const changed = Object.keys(Object.assign({}, was, g.sections))
      .filter((n) => JSON.stringify(was[n]) !== JSON.stringify(g.sections[n]));
    listeners.forEach((cb, id) => {
      changed.forEach((name) => tell(cb, 'sectionChange', id, name));
      tell(cb, 'signalStatus', id, 'ready');
    });
  });

  // Frames find the API through the __gppLocator frame and postMessage.
  const locator = () => {
    if (w.frames.__gppLocator) return;
    if (!d.body) {
      d.addEventListener('DOMContentLoaded', locator, { once: true });
      return;
    }
    const f = d.createElement('iframe');
    f.name = '__gppLocator';
    f.style.display = 'none';
    f.setAttribute('aria-hidden', 'true');
    f.tabIndex = -1;
    d.body.appendChild(f);
  };
  locator();
  w.addEventListener('message', (e) => {
    let msg = e.data;
    const text = typeof msg === 'string';
    if (text) {
      if (msg.indexOf('__gppCall') < 0) return;
      try {
        msg = JSON.parse(msg);
      } catch (err) {
        return;
      }
    }
    const call = msg && typeof msg === 'object' && msg.__gppCall;
    if (!call || typeof call !== 'object' || !e.source) return;
    api(call.command, (returnValue, success) => {
      const ret = { __gppReturn: { returnValue, success, callId: call.callId } };
      e.source.postMessage(text ? JSON.stringify(ret) : ret, '*');
    }, call.parameter, call.version);
  });
})();

/*
 * Consentry banner, the opt-out regime (US state laws): texts per regime,
 * and the one-step "Do Not Sell or Share My Personal Information" control,
 * shown as honoured once the visitor is opted out (saying so when Global
 * Privacy Control did it).
 */

// rt is a text for the visitor's regime: "<key>.<regime>" when the
// configuration has one (e.g. "body.opt-out"), else the key's own text.
const rt = (key) => texts[key + '.' + state.regime] || t(key);

// The controls built so far, each a function that redraws it (optSync).
const optBoxes = [];
const optSync = () => optBoxes.forEach((f) => f());

// dnss returns the control for the opt-out regime (null elsewhere): a
// button that opts out of sale and sharing in one click (advertising off,
// every other grant kept), or, once opted out, a status line. It is
// built from ui.js, whose btn it uses.
const dnss = () => {
  if (state.regime !== 'opt-out') return null;
  const box = h('div', {});
  const draw = () => {
    const g = state.signals.gpc ? 'gpc_' : '';
    box.replaceChildren(granted('advertising') ? btn('opt_out', 'do_not_sell')
      : h('p', { class: 'cs-gpc', role: 'status', 'data-consent-optout': g ? 'gpc' : 'choice', text: t(g + 'opted_out') }));
  };
  draw();
  optBoxes.push(draw);
  return box;
};

// optOut opts the visitor out of sale and sharing.
const optOut = () => choose('custom', grantedKeys().filter((k) => k !== 'advertising'));

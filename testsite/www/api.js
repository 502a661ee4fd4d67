// The page API test page's own script (api.html): it runs after the
// banner and uses window.consentry as a site would (docs/API.md).
(function () {
  var c = window.consentry;
  window.__api.object = c;
  c.onReady(function (s) { window.__api.ready.push(s); });
  window.__api.off = c.onChange(function (s) { window.__api.changes.push(s); });
  document.getElementById('open-api').addEventListener('click', function () { c.open(); });
})();

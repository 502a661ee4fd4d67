// Fake advertising vendor for the Consentry demo: counts itself, sets a
// first-party cookie and reports the page view to its own host.
(function () {
	"use strict";
	var v = (window.__vendor = window.__vendor || {});
	v.ads = (v.ads || 0) + 1;

	var base = "//ads.localhost";
	var me = document.currentScript && document.currentScript.src;
	if (me) {
		var u = new URL(me, location.href);
		base = "//" + u.host;
	}

	var id = (document.cookie.match(/(?:^|;\s*)_fad=([^;]*)/) || [])[1];
	if (!id) {
		id = Math.random().toString(36).slice(2, 12);
		document.cookie = "_fad=" + id + "; path=/; max-age=7776000; samesite=lax";
	}

	new Image().src = base + "/hit?fad=" + id + "&u=" + encodeURIComponent(location.href);
})();

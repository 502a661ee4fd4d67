// Fake analytics vendor for the Consentry demo. When it runs it does what a
// real analytics tag does: counts itself, sets a first-party cookie and sends
// a beacon to its own host. The browser tests look for exactly these traces.
(function () {
	"use strict";
	var v = (window.__vendor = window.__vendor || {});
	v.analytics = (v.analytics || 0) + 1;

	var base = "//analytics.localhost";
	var me = document.currentScript && document.currentScript.src;
	if (me) {
		var u = new URL(me, location.href);
		base = "//" + u.host;
	}

	var id = (document.cookie.match(/(?:^|;\s*)_fa_id=([^;]*)/) || [])[1];
	if (!id) {
		id = Math.random().toString(36).slice(2, 12);
		document.cookie = "_fa_id=" + id + "; path=/; max-age=34128000; samesite=lax";
	}

	new Image().src = base + "/collect?cid=" + id + "&dl=" + encodeURIComponent(location.href) +
		"&dt=" + encodeURIComponent(document.title);
})();

// A stand-in for a tag manager (Google Tag Manager and the like): first-party
// code that, 500 ms after the page has loaded, adds the analytics script and
// an ad pixel from script, as such tools do. The server never sees these tags
// in the HTML; the consent guard in <head> must hold them until their category
// is granted. window.__tmDone tells the tests it has run.
(function () {
	"use strict";
	var port = location.port ? ":" + location.port : "";

	function fire() {
		var s = document.createElement("script");
		s.src = "//analytics.localhost" + port + "/a.js";
		document.head.appendChild(s);

		new Image().src = "//ads.localhost" + port + "/pixel.gif?tm=1";

		window.__tmDone = true;
		var status = document.getElementById("tm-status");
		if (status) {
			status.textContent = "tag manager ran";
		}
	}

	function later() {
		setTimeout(fire, 500);
	}
	if (document.readyState === "complete") {
		later();
	} else {
		window.addEventListener("load", later);
	}
})();

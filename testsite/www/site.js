// First-party script of the demo site. Consentry must leave it alone: it runs
// before and after any consent choice, and the browser tests check that it did.
(function () {
	"use strict";
	var status = document.getElementById("site-status");
	if (status) {
		status.textContent = "site script ran";
		status.setAttribute("data-ran", "1");
	}
	var add = document.getElementById("add-to-basket");
	var basket = document.getElementById("basket-status");
	if (add && basket) {
		var count = 0;
		add.addEventListener("click", function () {
			count++;
			basket.textContent = count + (count === 1 ? " phone" : " phones") + " in your basket";
		});
	}
	document.addEventListener("consent:change", function (ev) {
		if (status) {
			status.setAttribute("data-consent-changes", String(Number(status.getAttribute("data-consent-changes") || 0) + 1));
		}
	});
})();

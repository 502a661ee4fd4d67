// Package admin serves the operator's views of the consent log and the
// cookie and tracker inventory: an overview page with opt-in rates per
// category and day, record lookup and export (HTML, JSON, CSV), the exact
// notice behind a record, and the live inventory.
//
// The handler has no authentication of its own: mount it behind the
// operator's (basic auth, an SSO proxy, a private listener).
//
//	h, err := admin.New(admin.Options{Store: store, Inventory: inv})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("/consent-admin/", requireAdmin(http.StripPrefix("/consent-admin", h)))
//
// It works under any path prefix, stripped or not: every link it renders is
// relative to the page, and routes are matched on the end of the path:
//
//	<base>/                  overview (HTML)
//	<base>/records           lookup and export: ?subject= | ?id= | ?from=&to=,
//	                         site= (one site of a shared log),
//	                         format=html|json|csv, limit=, after_time=&after_id=
//	<base>/stats?days=       decisions and rates per day, regime, category (JSON)
//	<base>/inventory         the cookie and host inventory (JSON, or HTML)
//	<base>/notices/<hash>    the notice a visitor saw (HTML, or JSON)
//
// Dates accept YYYY-MM-DD (UTC; "to" includes that whole day) and RFC 3339.
// CSV and JSON exports page through the store themselves, so a full
// time-range export streams without being held in memory; one export stops
// after 1,000,000 records and says so.
//
// Every response is private (Cache-Control: no-store) and carries a strict
// Content-Security-Policy; the pages need no JavaScript and load nothing
// from elsewhere.
package admin

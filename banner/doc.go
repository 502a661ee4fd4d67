// Package banner holds Consentry's consent banner: the hand-written
// JavaScript and CSS of the first layer and the preference centre, minified
// once and served under a content hash, and the bundled translations.
//
// The assets are immutable: their names carry the first hex digits of the
// SHA-256 of the minified bytes, so a page can link them with a year-long
// cache lifetime:
//
//	js, css := banner.JS(), banner.CSS()
//	// <link rel="stylesheet" href="/_consent/"+css.Name>
//	// <script src="/_consent/"+js.Name defer></script>
//	mux.HandleFunc("/_consent/", func(w http.ResponseWriter, r *http.Request) {
//		if !banner.ServeAsset(w, r, strings.TrimPrefix(r.URL.Path, "/_consent/")) {
//			http.NotFound(w, r)
//		}
//	})
//
// The script reads two JSON blocks the server writes first in <head>:
// #consent-state (the visitor's consent state) and #consent-config (endpoint,
// policy links, language, texts and categories). It renders the banner when
// no choice was made, posts choices to the endpoint and, without a reload,
// activates the tags of granted categories: <script type="text/plain"
// data-category="analytics" data-src="…">, and iframes, images and media
// whose data-src, data-srcset, data-href, data-poster or data-data hold the
// real URL.
//
// Texts come from the embedded i18n/<lang>.json files; Negotiate picks one
// for an Accept-Language header and Texts fills missing keys from English.
package banner

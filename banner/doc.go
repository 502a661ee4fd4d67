// Package banner holds Consentry's consent banner: the hand-written
// JavaScript and CSS of the first layer and the preference centre, minified
// once and served under a content hash, and the bundled translations.
//
// The assets are immutable: their names carry the first hex digits of the
// SHA-256 of the minified bytes, so a page can link them with a year-long
// cache lifetime. The script carries the stylesheet and applies it itself
// (a constructed stylesheet, which CSP's style-src does not govern), so no
// stylesheet holds up the page's first paint; the page links the CSS file
// only inside <noscript>, for the no-JavaScript form. The banner
// configuration (texts, categories, links) is a script of its own per site
// and language (ConfigScript), also named by hash and cached for good, so
// pages do not carry it. The guard goes inline or as the parser-blocking
// file GuardFile, <script src="/_consent/guard.<hash>.js"> with no defer,
// at the same place (the engine inlines it on the page a visitor lands on
// and loads the cached file on the others, by default: sdk.GuardAuto),
// right after two small JSON blocks and before any page script:
//
//	js, css, cfg := banner.JS(), banner.CSS(), banner.ConfigScript("en", configJSON)
//	// <script type="application/json" id="consent-state">…</script>
//	// <script type="application/json" id="consent-hosts" data-src="/_consent/hosts.<hash>.json">{"analytics":["/path/"]}</script>
//	// <script nonce="…">+banner.Guard()+</script>
//	// <script src="/_consent/"+cfg.Name() defer></script>
//	// <script src="/_consent/"+js.Name defer></script>
//	// …in <body>: <noscript><link rel="stylesheet" href="/_consent/"+css.Name>…form…</noscript>
//	mux.HandleFunc("/_consent/", func(w http.ResponseWriter, r *http.Request) {
//		name := strings.TrimPrefix(r.URL.Path, "/_consent/")
//		if name == cfg.Name() {
//			cfg.Serve(w, r, true)
//		} else if !banner.ServeAsset(w, r, name) {
//			http.NotFound(w, r)
//		}
//	})
//
// The script reads #consent-state (the visitor's consent state; its
// data-show="false" keeps the banner shut for crawlers) and
// self.consentryConfig (endpoint, policy links, language, texts,
// categories, and two of the server's tables: signals, the vendor consent
// signals as [vendor, signal, category] triples, and attrs, the
// attributes the server renames to data-* on a held tag). It renders the
// banner when no choice was made, posts choices to the endpoint, sends
// each vendor its update by the signals table and, without a reload,
// activates the tags of granted categories: <script type="text/plain"
// data-category="analytics" data-src="…">, and iframes, images and media
// whose data-src, data-srcset, data-href, data-poster (any data-<attr> of
// attrs) hold the real URL.
//
// The script's source is three parts, joined in this order inside one
// function and minified once: js/core.js (state, configuration, the
// choice, cookies, vendor signals), js/activate.js (held tags and
// click-to-load placeholders) and js/ui.js (the banner, the preference
// centre, the floating button, focus, the page API and the start).
//
// The guard holds the tags that page scripts add later (a tag manager, a
// single-page app) the same way: every script, iframe, image, embed, source
// and link whose URL a script sets, by property or setAttribute, to a host
// of its table (subdomains included; the file #consent-hosts names in
// data-src, fetched at start, and the path prefixes inline in it) whose
// category is refused gets
// data-src (data-srcset, data-href), data-category and, for a script,
// type="text/plain" with its own type in data-type. The banner activates
// them on a grant; the guard itself gives back the URL of those never
// inserted into the document, such as new Image() pixels.
//
// The page API is window.consentry, frozen: state(), open(), close(),
// accept(), reject(), save(categories), onReady(cb) and onChange(cb), with
// the consent:ready and consent:change events on document; docs/API.md is
// its reference and consentry.d.ts its TypeScript declarations (checked
// by TestDeclarationsMatchTheDocs and TestDeclarationsCompile). A
// click-to-load placeholder names the vendor of the held iframe's host
// from the configuration's vendors ({name: [host, …]}).
//
// In the preference centre each category lists its cookies in a table:
// name, purpose, lifetime and who sets them, from objects
// {"name","purpose","lifetime","party"} in categories[].cookies (party
// "first" or "third"); bare names are accepted too.
//
// Texts come from the embedded i18n/<lang>.json files (38 languages,
// Languages); Negotiate picks one for an Accept-Language header, Bundled
// resolves a tag to its bundle ("zh-TW" → "zh-Hant", "no" → "nb"), Texts
// fills missing keys from English, Direction gives the dir attribute
// ("rtl" for Arabic and Hebrew), and Plural renders the bundles' plural
// messages by the language's CLDR plural rules (PluralCategory). The
// languages and the negotiation rules are listed in docs/LANGUAGES.md.
package banner

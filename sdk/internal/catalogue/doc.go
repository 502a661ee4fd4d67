// Package catalogue builds the built-in vendor catalogue (sdk/catalogue.json)
// from pinned copies of two maintained public datasets and an overrides file
// of ours that wins over both:
//
//   - data/third-party-web: the hosts of about 2 100 third parties with a
//     category each (MIT), mapped to consent categories by CategoryOf;
//   - data/open-cookie-database: about 2 260 cookies with platform,
//     category, retention and description (Apache-2.0), which become cookie
//     declarations, and, for the few that are safe, cookie filters
//     (see Build);
//   - overrides.json: the hand-written vendors (inline-script patterns,
//     cookie names, privacy policies), corrections to the datasets'
//     categories, and the deny lists.
//
// The generated file is checked in; TestCatalogueGenerated fails when it is
// stale. Regenerate with
//
//	go generate ./sdk
//
// See docs/CATALOGUE.md for refreshing the datasets.
package catalogue

package sdk

import (
	"net/http/httptest"
	"slices"
)

// servePage serves page through c once, as a first visitor would see it,
// so that the vendors it names are listed from then on.
func servePage(c *Consent, page string) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "text/html")
	c.Handler(htmlHandler(page, nil)).ServeHTTP(httptest.NewRecorder(), r)
	c.awaitListing()
}

// usesHandWritten declares every hand-written vendor of the catalogue, by
// name, as a site using them all would.
func usesHandWritten() []Vendor {
	var out []Vendor
	for _, v := range handWritten(BuiltinCatalogue()) {
		if !slices.ContainsFunc(out, func(o Vendor) bool { return o.Vendor == v.Vendor }) {
			out = append(out, Vendor{Vendor: v.Vendor, Category: v.Category})
		}
	}
	return out
}

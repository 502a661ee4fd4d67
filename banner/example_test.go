package banner_test

import (
	"fmt"

	"github.com/consentry/consentry/banner"
)

func ExampleNegotiate() {
	fmt.Println(banner.Negotiate("de-CH, en;q=0.5", nil, "en"))
	fmt.Println(banner.Negotiate("ja;q=0, xx", nil, "en"))
	fmt.Println(banner.Negotiate("fr-CA", []string{"en", "fr"}, "en"))
	// Output:
	// de
	// en
	// fr
}

func ExampleTexts() {
	t := banner.Texts("sv")
	fmt.Println(t["accept_all"], "/", t["reject_all"])
	// Output: Godkänn alla / Avvisa alla
}

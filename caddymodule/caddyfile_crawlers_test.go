package caddymodule

import (
	"slices"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

// TestCrawlersReachTheEngine: the crawlers subdirective becomes the sdk
// options (Options.Crawlers, CrawlerAgents), which the engine accepts.
func TestCrawlersReachTheEngine(t *testing.T) {
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("consent {\n crawlers none Pingdom HeadlessChrome\n}")); err != nil {
		t.Fatal(err)
	}
	o, err := h.options(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Crawlers != sdk.CrawlersNone || !slices.Equal(o.CrawlerAgents, []string{"Pingdom", "HeadlessChrome"}) {
		t.Errorf("sdk options: crawlers %q, agents %q", o.Crawlers, o.CrawlerAgents)
	}
	if _, err := sdk.New(o); err != nil {
		t.Errorf("sdk.New: %v", err)
	}
}

package sdk

import (
	"fmt"
	"strings"

	"github.com/mileusna/useragent"
)

// CrawlerMode chooses which User-Agents the User-Agent parser takes for
// crawlers (Options.Crawlers). A crawler gets no banner and no
// no-JavaScript form, and still no trackers: what is refused before a
// choice stays held for it as for anyone.
type CrawlerMode string

// The values of Options.Crawlers.
const (
	// CrawlersKnown (the default) takes for crawlers the bots the parser
	// knows: search engines, link previews, ad and SEO crawlers. Headless
	// browsers (HeadlessChrome) are visitors: synthetic monitoring and
	// end-to-end tests see the page as people do, banner included.
	CrawlersKnown CrawlerMode = "known"
	// CrawlersNone takes no one for a crawler by the parser: only
	// Options.CrawlerAgents do.
	CrawlersNone CrawlerMode = "none"
)

// minCrawlerAgent is the shortest User-Agent pattern accepted: a shorter
// one would match most browsers.
const minCrawlerAgent = 3

// CheckCrawlers reports what is wrong with a crawler mode ("" is the
// default, known) and the extra User-Agent patterns.
func CheckCrawlers(mode CrawlerMode, agents []string) error {
	switch mode {
	case "", CrawlersKnown, CrawlersNone:
	default:
		return fmt.Errorf("crawlers %q: want known or none", string(mode))
	}
	for _, a := range agents {
		if strings.TrimSpace(a) != a || len(a) < minCrawlerAgent {
			return fmt.Errorf("crawler agent %q: want at least %d characters, no spaces around (a shorter pattern would match most browsers)", a, minCrawlerAgent)
		}
		for _, r := range a {
			if r < 0x20 || r == 0x7f {
				return fmt.Errorf("crawler agent %q: a control character", a)
			}
		}
	}
	return nil
}

// crawlerRule is the compiled Options.Crawlers and Options.CrawlerAgents.
type crawlerRule struct {
	parser bool     // the parser's known bots count
	agents []string // lower-cased substrings
}

func newCrawlerRule(mode CrawlerMode, agents []string) (crawlerRule, error) {
	if err := CheckCrawlers(mode, agents); err != nil {
		return crawlerRule{}, err
	}
	r := crawlerRule{parser: mode != CrawlersNone}
	for _, a := range agents {
		r.agents = append(r.agents, strings.ToLower(a))
	}
	return r, nil
}

// match reports whether the User-Agent ua is a crawler's by the rule.
func (r crawlerRule) match(ua string) bool {
	if len(r.agents) > 0 {
		low := strings.ToLower(ua)
		for _, a := range r.agents {
			if strings.Contains(low, a) {
				return true
			}
		}
	}
	if !r.parser {
		return false
	}
	p := useragent.Parse(ua)
	return p.Bot && p.Name != useragent.HeadlessChrome
}

// maxUserAgents bounds the User-Agents isCrawler remembers.
const maxUserAgents = 4096

// isCrawler reports whether the User-Agent is a crawler's (Options.Crawlers,
// Options.CrawlerAgents). Parsing a User-Agent takes microseconds, and a
// site sees few distinct ones, so the answers are kept (up to
// maxUserAgents, then the cache starts over).
func (c *Consent) isCrawler(ua string) bool {
	if ua == "" {
		return false
	}
	if bot, ok := c.crawlers.Load(ua); ok {
		return bot
	}
	bot := c.crawlerRule.match(ua)
	if len(ua) <= 512 {
		c.crawlers.Store(ua, bot, maxUserAgents)
	}
	return bot
}

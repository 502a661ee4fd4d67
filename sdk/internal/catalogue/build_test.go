package catalogue

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/sdk"
	"github.com/consentry/consentry/sdk/internal/match"
)

// index is the catalogue as the matcher sees it: hosts and filtered cookie
// names by category.
type index struct {
	hosts   match.Hosts[string]
	cookies match.Names[string]
	vendors []sdk.Vendor
}

func newIndex(vs []sdk.Vendor) *index {
	ix := &index{vendors: vs}
	for _, v := range vs {
		for _, h := range v.Hosts {
			ix.hosts.Add(h, v.Category)
		}
		for _, c := range v.Cookies {
			if c.Party != sdk.ThirdParty && !c.DeclarationOnly {
				ix.cookies.Add(c.Name, v.Category)
			}
		}
	}
	return ix
}

func TestCategoryMapping(t *testing.T) {
	for tpw, want := range map[string]string{
		"ad": sdk.Advertising, "analytics": sdk.Analytics, "marketing": sdk.Analytics, "tag-manager": sdk.Analytics,
		"social": sdk.Social, "video": sdk.Social, "customer-success": sdk.Preferences,
		"cdn": "", "hosting": "", "utility": "", "consent-provider": "", "content": "", "other": "",
	} {
		if got, ok := CategoryOf(tpw); !ok || got != want {
			t.Errorf("CategoryOf(%q) = %q, %v; want %q", tpw, got, ok, want)
		}
	}
	if _, ok := CategoryOf("new-category"); ok {
		t.Errorf("an unknown category is mapped")
	}
}

// TestOverridesWin pins the corrections of overrides.json and the mapping
// on the built catalogue: the pixels are advertising, map embeds social,
// session replay and tag managers analytics, a CDN or consent tool never
// blocked.
func TestOverridesWin(t *testing.T) {
	ix := newIndex(build(t))
	for _, tc := range []struct{ host, want string }{
		{"connect.facebook.net", sdk.Advertising}, // third-party-web: social
		{"www.facebook.com", sdk.Advertising},
		{"analytics.tiktok.com", sdk.Advertising}, // third-party-web: social
		{"ct.pinterest.com", sdk.Advertising},     // third-party-web: social
		{"alb.reddit.com", sdk.Advertising},       // third-party-web: social
		{"www.redditstatic.com", sdk.Advertising},
		{"tr.snapchat.com", sdk.Advertising}, // third-party-web: analytics
		{"sc-static.net", sdk.Advertising},
		{"maps.googleapis.com", sdk.Social}, // third-party-web: utility
		{"mt0.googleapis.com", sdk.Social},  // its tiles, from third-party-web, join it
		{"www.clarity.ms", sdk.Analytics},   // third-party-web: utility
		{"www.googletagmanager.com", sdk.Analytics},
		{"tags.tiqcdn.com", sdk.Analytics},     // Tealium, a tag manager
		{"assets.adobedtm.com", sdk.Analytics}, // Adobe's tag manager
		{"bat.bing.com", sdk.Advertising},
		{"static.chartbeat.com", sdk.Analytics}, // the long tail
		{"embed.tawk.to", sdk.Preferences},      // a chat widget
		// Never blocked: CDNs, hosting, consent tools, utilities, and the
		// rest of a company whose ad hosts are hand-written.
		{"cdnjs.cloudflare.com", ""}, {"cdn.jsdelivr.net", ""}, {"fonts.googleapis.com", ""},
		{"ajax.googleapis.com", ""}, {"cdn.cookielaw.org", ""}, {"consent.cookiebot.com", ""},
		{"www.gstatic.com", ""}, {"www.google.com", ""}, {"www.bing.com", ""}, {"www.microsoft.com", ""},
		{"d1234.cloudfront.net", ""}, {"fbcdn.net", ""}, {"static.licdn.com", ""}, {"i.pinimg.com", ""},
		{"js.stripe.com", ""}, {"www.recaptcha.net", ""},
	} {
		if got, _ := ix.hosts.Lookup(tc.host); got != tc.want {
			t.Errorf("host %s: category %q, want %q", tc.host, got, tc.want)
		}
	}
}

// TestCookieFilterNames pins which dataset cookie names reach the filters:
// distinctive names of a vendor matched by host; never the short or
// generic ones, a consent tool's, or those of a vendor we do not match.
func TestCookieFilterNames(t *testing.T) {
	vs := build(t)
	ix := newIndex(vs)
	for _, tc := range []struct{ name, want string }{
		{"_cs_id", sdk.Analytics}, {"_lo_uid", sdk.Analytics}, {"__kla_id", sdk.Advertising},
		{"_ga", sdk.Analytics}, {"_fbp", sdk.Advertising}, // hand-written, however short
		{"uid", ""}, {"cid", ""}, {"ID", ""}, {"id", ""}, {"_s", ""}, {"tp", ""}, {"sid", ""},
		{"session", ""}, {"lang", ""}, {"euconsent-v2", ""}, {"usprivacy", ""}, {"OptanonConsent", ""},
		{"CookieConsent", ""}, {"PHPSESSID", ""}, {"JSESSIONID", ""}, {"BIGipServerpool", ""},
		{"_gig_lt", ""}, {"wordpress_logged_in_x", ""}, {"_shopify_y", ""},
	} {
		if got, _ := ix.cookies.Lookup(tc.name); got != tc.want {
			t.Errorf("cookie %s: filtered as %q, want %q", tc.name, got, tc.want)
		}
	}
	hand := map[string]bool{}
	for _, v := range vs {
		if v.Source == "" {
			for _, c := range v.Cookies {
				hand[c.Name] = true
			}
		}
	}
	var ov Overrides
	ov.GenericCookies = []string{"uid", "cid", "id", "_s", "tp"}
	for _, v := range vs {
		for _, c := range v.Cookies {
			if c.DeclarationOnly || c.Party == sdk.ThirdParty || hand[c.Name] {
				continue
			}
			n := strings.TrimSuffix(c.Name, "*")
			if len(n) < MinFilterName {
				t.Errorf("%s: dataset cookie %q is filtered, shorter than %d bytes", v.Vendor, c.Name, MinFilterName)
			}
			if strings.Contains(strings.ToLower(n), "consent") {
				t.Errorf("%s: dataset cookie %q is filtered", v.Vendor, c.Name)
			}
		}
	}
}

// TestBuildRules runs Build on a small made-up dataset.
func TestBuildRules(t *testing.T) {
	entities := `[
	 {"name": "Hand", "category": "utility", "domains": ["*.hand.example", "*.extra-hand.example"]},
	 {"name": "Ads Inc", "category": "ad", "domains": ["*.ads.example", "x.ads.example", "*.cdn.example", "x.t.hand.example", "*.co.uk", "*.github.io"]},
	 {"name": "Pixel Co", "category": "social", "domains": ["*.pixel.example"]},
	 {"name": "Chat", "category": "customer-success", "domains": ["*.chat.example"]},
	 {"name": "Fonts", "category": "cdn", "domains": ["*.fonts.example"]}
	]`
	overrides := `{
	 "vendors": [{"vendor": "Hand", "category": "analytics", "privacy_url": "https://hand.example/p", "hosts": ["t.hand.example"],
	   "cookies": [{"name": "_h*", "purpose": "p", "lifetime": "1 day", "party": "first"}]}],
	 "entities": {"Pixel Co": {"category": "advertising"}},
	 "platforms": {"Hand Platform": "Hand"},
	 "never_block": ["static.cdn.example"],
	 "generic_cookies": ["visitor"],
	 "generic_words": ["consent"]
	}`
	cookies := "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n" +
		"1,Ads Inc,Marketing,ads_visitor_id,,Tracks,1 Year,,https://ads.example/privacy,0\n" +
		"2,Ads Inc,Marketing,visitor,,Tracks,Session,,,0\n" +
		"3,Ads Inc,Marketing,adsid,.ads.example (3rd party),Tracks,13 months,,,0\n" +
		"4,Hand Platform,Analytics,_hand_long,,Counts,End of session (browser),,,0\n" +
		"5,Other,Functional,other_sess,,Logs in,forever,,,0\n" +
		"6,Ads Inc,Marketing,ads_consent,,Stores,1 year,,,0\n" +
		"7,Ads Inc,Marketing,_hx_ads,,Shadowed by Hand's _h*,1 year,,,0\n" +
		"8,Ads Inc,Marketing,ads_,,A family,1 year,,,1\n"
	vs, err := Build([]byte(entities), []byte(cookies), []byte(overrides))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sdk.Vendor{}
	for _, v := range vs {
		got[v.Vendor+"/"+v.Source] = v
	}
	if v := got["Hand/"]; strings.Join(v.Hosts, ",") != "t.hand.example" || v.Category != sdk.Analytics {
		t.Errorf("hand-written vendor changed: %+v", v)
	}
	// The entity of the same name adds what is not the hand-written
	// vendor's own, in its category, as a supplement.
	if v := got["Hand/third-party-web"]; strings.Join(v.Hosts, ",") != "extra-hand.example" || v.Category != sdk.Analytics {
		t.Errorf("Hand's supplement = %+v", v)
	}
	// A child of a taken host, a host under a hand-written one, a public
	// suffix and a parent of a never-blocked domain are left out.
	if v := got["Ads Inc/third-party-web"]; strings.Join(v.Hosts, ",") != "ads.example" || v.Category != sdk.Advertising {
		t.Errorf("Ads Inc = %+v", v)
	}
	if v := got["Pixel Co/third-party-web"]; v.Category != sdk.Advertising {
		t.Errorf("Pixel Co = %+v, want advertising by override", v)
	}
	if v := got["Chat/third-party-web"]; v.Category != sdk.Preferences {
		t.Errorf("Chat = %+v", v)
	}
	if _, ok := got["Fonts/third-party-web"]; ok {
		t.Errorf("a CDN is catalogued")
	}
	want := map[string]struct {
		vendor, party, lifetime string
		filtered                bool
	}{
		"ads_visitor_id": {"Ads Inc/third-party-web", sdk.FirstParty, "1 year", true},
		"visitor":        {"Ads Inc/third-party-web", sdk.FirstParty, "session", false}, // generic
		"adsid":          {"Ads Inc/third-party-web", sdk.ThirdParty, "13 months", false},
		"_hand_long":     {"Hand/open-cookie-database", sdk.FirstParty, "session", true},
		"other_sess":     {"Other/open-cookie-database", sdk.FirstParty, "", false}, // no vendor we match
		"ads_consent":    {"Ads Inc/third-party-web", sdk.FirstParty, "1 year", false},
		"ads_*":          {"Ads Inc/third-party-web", sdk.FirstParty, "1 year", false}, // a short family
	}
	seen := map[string]bool{}
	for k, v := range got {
		for _, c := range v.Cookies {
			seen[c.Name] = true
			w, ok := want[c.Name]
			if !ok {
				if !strings.HasPrefix(k, "Hand/") || c.Name != "_h*" {
					t.Errorf("unexpected cookie %q of %s", c.Name, k)
				}
				continue
			}
			if k != w.vendor || c.Party != w.party || c.Lifetime != w.lifetime || c.DeclarationOnly == w.filtered {
				t.Errorf("cookie %q of %s: %+v; want %+v", c.Name, k, c, w)
			}
		}
	}
	for n := range want {
		if !seen[n] {
			t.Errorf("cookie %q missing", n)
		}
	}
	if seen["_hx_ads"] {
		t.Errorf("a name under a hand-written family of another category is declared")
	}
	if v := got["Ads Inc/third-party-web"]; v.PrivacyURL != "https://ads.example/privacy" {
		t.Errorf("privacy URL from the cookie database: %q", v.PrivacyURL)
	}
}

// TestBuildErrors: a dataset category nobody mapped, or an override naming
// a vendor that does not exist, stops the build.
func TestBuildErrors(t *testing.T) {
	head := "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n"
	for name, tc := range map[string][3]string{
		"tpw category":  {`[{"name":"X","category":"new","domains":["x.example"]}]`, head, `{}`},
		"ocd category":  {`[]`, head + "1,P,Weird,n,,d,1 day,,,0\n", `{}`},
		"entity vendor": {`[]`, head, `{"entities":{"X":{"vendor":"Nobody"}}}`},
		"platform":      {`[]`, head, `{"platforms":{"P":"Nobody"}}`},
		"unknown field": {`[]`, head, `{"vendorz":[]}`},
	} {
		if _, err := Build([]byte(tc[0]), []byte(tc[1]), []byte(tc[2])); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLifetime(t *testing.T) {
	for in, want := range map[string]string{
		"1 Year": "1 year", "2 years": "2 years", "Session": "session", "End of session (browser)": "session",
		"13 months": "13 months", "1 days": "1 day", "30 Days": "30 days", "Unknown": "", "persistent": "", "": "",
	} {
		if got := Lifetime(in); got != want {
			t.Errorf("Lifetime(%q) = %q, want %q", in, got, want)
		}
	}
}

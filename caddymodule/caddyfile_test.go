package caddymodule

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

var (
	hash32Hex    = strings.Repeat("ab", 32)
	hash64B64    = base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 64)))
	block32B64   = base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("b", 32)))
	block16Hex   = strings.Repeat("0f", 16)
	shortHashHex = strings.Repeat("ab", 16)
)

const day = caddy.Duration(24 * time.Hour)

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  Handler
	}{
		{
			name:  "bare",
			input: `consent`,
			want:  Handler{},
		},
		{
			name:  "empty block",
			input: "consent {\n}",
			want:  Handler{},
		},
		{
			name: "every subdirective",
			input: `consent {
				policy_version  2022-08
				prefix          /_privacy
				privacy_url     /privacy
				cookie_url      /_privacy/cookies
				cookie_name     cc
				cookie_domain   example.com
				hash_key        {env.CONSENT_HASH_KEY}
				block_key       {env.CONSENT_BLOCK_KEY}
				key             ` + hash32Hex + ` ` + block16Hex + `
				key             ` + hash64B64 + `
				max_age         opt-in 180d opt-out 365d
				country_header  CF-IPCountry
				region_header   CF-Region-Code
				geoip_db        {env.GEOIP_DB}
				regime          BR opt-in
				regime          us-nv opt-out
				default_regime  opt-out
				honor_dnt       on
				notice_defaults preferences analytics
				floating_button
				assume_https    on
				language        ja
				languages       en ja
				languages       de
				text            en accept_all "Allow all"
				text            * title Your privacy
				category analytics {
					hosts   analytics.example.net stats.example.net
					cookies _stats _stats_*
					paths   /metrics/ /gtm/
				}
				category chat {
					label       Live chat
					description Chat with our support team
					hosts       chat.example.com
					patterns    chatWidget(
					cookies     chat_session
				}
				category social
				sites           shop.example *.brand.example
				no_builtin_catalogue
				gpc_last_update 2024-01-31
			}`,
			want: Handler{
				PolicyVersion: "2022-08",
				Prefix:        "/_privacy",
				PrivacyURL:    "/privacy",
				CookieURL:     "/_privacy/cookies",
				CookieName:    "cc",
				CookieDomain:  "example.com",
				HashKey:       "{env.CONSENT_HASH_KEY}",
				BlockKey:      "{env.CONSENT_BLOCK_KEY}",
				Keys: []KeyConfig{
					{HashKey: hash32Hex, BlockKey: block16Hex},
					{HashKey: hash64B64},
				},
				MaxAge:         map[string]caddy.Duration{"opt-in": 180 * day, "opt-out": 365 * day},
				CountryHeader:  "CF-IPCountry",
				RegionHeader:   "CF-Region-Code",
				GeoIPDB:        "{env.GEOIP_DB}",
				Regimes:        map[string]string{"BR": "opt-in", "US-NV": "opt-out"},
				DefaultRegime:  "opt-out",
				HonorDNT:       true,
				NoticeDefaults: []string{"preferences", "analytics"},
				FloatingButton: true,
				AssumeHTTPS:    true,
				Language:       "ja",
				Languages:      []string{"en", "ja", "de"},
				Texts: map[string]map[string]string{
					"en": {"accept_all": "Allow all"},
					"*":  {"title": "Your privacy"},
				},
				Categories: []sdk.Category{
					{Key: "analytics", Hosts: []string{"analytics.example.net", "stats.example.net"}, Cookies: []string{"_stats", "_stats_*"}, Paths: []string{"/metrics/", "/gtm/"}},
					{Key: "chat", Label: "Live chat", Description: "Chat with our support team",
						Hosts: []string{"chat.example.com"}, Patterns: []string{"chatWidget("}, Cookies: []string{"chat_session"}},
					{Key: "social"},
				},
				Sites:              []string{"shop.example", "*.brand.example"},
				NoBuiltinCatalogue: true,
				GPCLastUpdate:      "2024-01-31",
				Sources: map[string]string{"hash_key": "Testfile:8", "block_key": "Testfile:9", "key 1": "Testfile:10",
					"key 2": "Testfile:11", "geoip_db": "Testfile:15"},
			},
		},
		{
			name:  "literal keys",
			input: "consent {\n hash_key " + hash64B64 + "\n block_key " + block32B64 + "\n}",
			want:  Handler{HashKey: hash64B64, BlockKey: block32B64, Sources: map[string]string{"hash_key": "Testfile:2", "block_key": "Testfile:3"}},
		},
		{
			name:  "one max_age for every regime",
			input: "consent {\n max_age 90d\n}",
			want:  Handler{MaxAge: map[string]caddy.Duration{"opt-in": 90 * day, "opt-out": 90 * day, "notice": 90 * day}},
		},
		{
			name:  "max_age in hours",
			input: "consent {\n max_age notice 48h\n}",
			want:  Handler{MaxAge: map[string]caddy.Duration{"notice": caddy.Duration(48 * time.Hour)}},
		},
		{
			name:  "honor_dnt bare",
			input: "consent {\n honor_dnt\n}",
			want:  Handler{HonorDNT: true},
		},
		{
			name:  "honor_dnt off",
			input: "consent {\n honor_dnt off\n}",
			want:  Handler{HonorDNT: false},
		},
		{
			name:  "honor_dnt true",
			input: "consent {\n honor_dnt true\n}",
			want:  Handler{HonorDNT: true},
		},
		{
			name:  "log sqlite default path",
			input: "consent {\n log sqlite\n retention forever\n}",
			want:  Handler{Log: &LogConfig{Store: "sqlite"}, Retention: -1, Sources: map[string]string{"log": "Testfile:2"}},
		},
		{
			name: "log postgres with options",
			input: `consent {
				log postgres {env.CONSENT_DATABASE_URL} {
					spool      /var/spool/consentry
					ip         hash
					queue_size 50000
				}
				retention 730d
			}`,
			want: Handler{Log: &LogConfig{Store: "postgres", DSN: "{env.CONSENT_DATABASE_URL}", Spool: "/var/spool/consentry",
				IP: "hash", QueueSize: 50000}, Retention: 730 * day, Sources: map[string]string{"log": "Testfile:2"}},
		},
		{
			name:  "log off",
			input: "consent {\n log off\n}",
			want:  Handler{Log: &LogConfig{Store: "off"}, Sources: map[string]string{"log": "Testfile:2"}},
		},
		{
			name:  "same category twice",
			input: "consent {\n category social {\n hosts a.example\n }\n category social {\n hosts b.example\n }\n}",
			want: Handler{Categories: []sdk.Category{
				{Key: "social", Hosts: []string{"a.example"}},
				{Key: "social", Hosts: []string{"b.example"}},
			}},
		},
		// The location and regime subdirectives.
		{
			name:  "headers",
			input: "consent {\n country_header CF-IPCountry\n region_header CF-Region-Code\n}",
			want:  Handler{CountryHeader: "CF-IPCountry", RegionHeader: "CF-Region-Code"},
		},
		{
			name:  "geoip_db literal",
			input: "consent {\n geoip_db /var/lib/GeoLite2-City.mmdb\n}",
			want:  Handler{GeoIPDB: "/var/lib/GeoLite2-City.mmdb", Sources: map[string]string{"geoip_db": "Testfile:2"}},
		},
		{
			name:  "geoip_db placeholder kept for provisioning",
			input: "consent {\n geoip_db {env.GEOIP_DB}\n}",
			want:  Handler{GeoIPDB: "{env.GEOIP_DB}", Sources: map[string]string{"geoip_db": "Testfile:2"}},
		},
		{
			name:  "regime overrides, upper-cased",
			input: "consent {\n regime BR opt-in\n regime us-nv opt-out\n regime JP notice\n regime FR-75 notice\n}",
			want:  Handler{Regimes: map[string]string{"BR": "opt-in", "US-NV": "opt-out", "JP": "notice", "FR-75": "notice"}},
		},
		{
			name:  "max_age at the browser limit",
			input: "consent {\n max_age opt-out 400d\n}",
			want:  Handler{MaxAge: map[string]caddy.Duration{"opt-out": 400 * day}},
		},
		{
			name:  "default_regime notice",
			input: "consent {\n default_regime notice\n}",
			want:  Handler{DefaultRegime: "notice"},
		},
		{
			name:  "crawlers none",
			input: "consent {\n crawlers none\n}",
			want:  Handler{Crawlers: "none", CrawlerAgents: []string{}},
		},
		{
			name:  "crawlers known with patterns",
			input: "consent {\n crawlers known HeadlessChrome \"Site 24x7\"\n}",
			want:  Handler{Crawlers: "known", CrawlerAgents: []string{"HeadlessChrome", "Site 24x7"}},
		},
		{
			name:  "policy_version, cookie_domain, gpc_last_update",
			input: "consent {\n policy_version 2026-11\n cookie_domain example.com\n gpc_last_update 2026-01-15\n}",
			want:  Handler{PolicyVersion: "2026-11", CookieDomain: "example.com", GPCLastUpdate: "2026-01-15"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Handler
			if err := got.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input)); err != nil {
				t.Fatalf("UnmarshalCaddyfile: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// unmarshalErrorCase is a Caddyfile that must fail to parse, with
// substrings of the error (the message and the line, "Testfile:N").
type unmarshalErrorCase struct {
	name, input string
	want        []string
}

// throughJSON parses a Caddyfile's consent block and returns the handler
// as Caddy loads it, through its JSON (which it also returns).
func throughJSON(t *testing.T, input string) (Handler, []byte) {
	t.Helper()
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back Handler
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	return back, raw
}

// checkUnmarshalErrors parses each case's input and checks that it fails
// with an error containing every wanted substring.
func checkUnmarshalErrors(t *testing.T, tests []unmarshalErrorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestUnmarshalCaddyfileErrors(t *testing.T) {
	tests := []unmarshalErrorCase{
		{"argument on directive", "consent on", []string{"wrong argument count", "Testfile:1"}},
		{"unknown subdirective", "consent {\n policy_version 1\n geo_header X-Country\n}", []string{`unrecognized consent subdirective "geo_header"`, "Testfile:3"}},
		{"unknown regime", "consent {\n default_regime gdpr\n}", []string{`default_regime "gdpr"`, "Testfile:2"}},
		{"default_regime without value", "consent {\n default_regime\n}", []string{"wrong argument count", "Testfile:2"}},
		{"malformed duration", "consent {\n max_age opt-in 180x\n}", []string{`max_age "180x": not a duration`, "Testfile:2"}},
		{"negative duration", "consent {\n max_age -1d\n}", []string{`max_age "-1d": must be positive`}},
		{"max_age unknown regime", "consent {\n\n max_age gdpr 180d\n}", []string{`max_age: unknown regime "gdpr"`, "Testfile:3"}},
		{"max_age odd pairs", "consent {\n max_age opt-in 180d opt-out\n}", []string{"wrong argument count", "Testfile:2"}},
		{"max_age empty", "consent {\n max_age\n}", []string{"wrong argument count"}},
		{"short hash key", "consent {\n hash_key " + shortHashHex + "\n}", []string{"hash_key: 32 hex digits decode to 16 bytes, want 32 or 64 bytes, written as 64 or 128 hex digits or as base64", "Testfile:2"}},
		{"garbage hash key", "consent {\n hash_key not-a-key!\n}", []string{"hash_key: not valid hex or base64", "Testfile:2"}},
		{"bad block key", "consent {\n hash_key " + hash32Hex + "\n block_key " + strings.Repeat("ab", 20) + "\n}", []string{"block_key: 40 hex digits decode to 20 bytes, want 16, 24 or 32 bytes", "Testfile:3"}},
		{"bad rotation key", "consent {\n key " + hash32Hex + " " + shortHashHex + "x\n}", []string{"block_key:", "Testfile:2"}},
		{"block key without hash key", "consent {\n block_key " + block16Hex + "\n policy_version 1\n}", []string{"block_key given without hash_key", "Testfile:2"}},
		{"bad bool", "consent {\n honor_dnt maybe\n}", []string{`honor_dnt "maybe": want on or off`, "Testfile:2"}},
		{"bad date", "consent {\n gpc_last_update 2024/01/31\n}", []string{`gpc_last_update "2024/01/31"`}},
		{"repeated", "consent {\n policy_version 1\n policy_version 2\n}", []string{"policy_version: given more than once", "Testfile:3"}},
		{"prefix not absolute", "consent {\n prefix _consent\n}", []string{`prefix "_consent"`, "Testfile:2"}},
		{"prefix trailing slash", "consent {\n prefix /_consent/\n}", []string{`prefix "/_consent/"`}},
		{"text too short", "consent {\n text en accept_all\n}", []string{"wrong argument count", "Testfile:2"}},
		{"languages empty", "consent {\n languages\n}", []string{"wrong argument count"}},
		{"notice defaults empty", "consent {\n notice_defaults\n}", []string{"wrong argument count", "Testfile:2"}},
		{"no_builtin_catalogue with value", "consent {\n no_builtin_catalogue yes\n}", []string{"wrong argument count"}},
		{"category without key", "consent {\n category {\n hosts a.example\n }\n}", []string{"wrong argument count", "Testfile:2"}},
		{"category unknown subdirective", "consent {\n category analytics {\n hosts a.example\n vendors x\n }\n}", []string{`unrecognized category subdirective "vendors"`, "Testfile:4"}},
		{"category empty list", "consent {\n category analytics {\n hosts\n }\n}", []string{"wrong argument count", "Testfile:3"}},
		{"category path not absolute", "consent {\n category analytics {\n hosts a.example\n paths /gtm/ metrics/\n }\n}", []string{`category analytics: paths: path "metrics/": must start with '/'`, "Testfile:4"}},
		{"category path with query", "consent {\n category analytics {\n paths /m?x=1\n }\n}", []string{`path "/m?x=1"`, "Testfile:3"}},
		{"category paths empty", "consent {\n category analytics {\n paths\n }\n}", []string{"wrong argument count", "Testfile:3"}},
		{"log unknown store", "consent {\n log mysql dsn\n}", []string{`log "mysql": want sqlite, postgres or off`, "Testfile:2"}},
		{"log empty", "consent {\n log\n}", []string{"wrong argument count", "Testfile:2"}},
		{"log postgres without dsn", "consent {\n log postgres\n}", []string{"log postgres: want one connection string", "Testfile:2"}},
		{"log off with options", "consent {\n log off {\n ip hash\n }\n}", []string{`log off takes no options, got "ip"`, "Testfile:3"}},
		{"log bad ip", "consent {\n log sqlite {\n ip full\n }\n}", []string{`log ip "full": want truncate, hash or off`, "Testfile:3"}},
		{"log bad queue", "consent {\n log sqlite {\n queue_size -3\n }\n}", []string{`log queue_size "-3": want a positive number`, "Testfile:3"}},
		{"log unknown option", "consent {\n log sqlite {\n\n buffer 3\n }\n}", []string{`unrecognized log option "buffer"`, "Testfile:4"}},
		{"log twice", "consent {\n log off\n log sqlite\n}", []string{"log: given more than once", "Testfile:3"}},
		{"retention malformed", "consent {\n retention 400days\n}", []string{`retention "400days": not a duration`, "Testfile:2"}},
		{"retention too short", "consent {\n retention 1h\n}", []string{`retention "1h": must be at least a day`, "Testfile:2"}},
		{"unknown language", "consent {\n language xx\n}", []string{`language "xx": no bundled texts`, "Testfile:2"}},
		{"unknown language in list", "consent {\n languages en\n languages de qq\n}", []string{`languages "qq": no bundled texts`, "Testfile:3"}},
		// Issue 12: values that used to be checked only when the config
		// loaded, without a line, or not at all.
		{"misspelt category", "consent {\n policy_version 1\n category analytcs {\n hosts stats.example\n }\n}",
			[]string{`category "analytcs"`, `did you mean "analytics"?`, "Testfile:3"}},
		{"new category without a label", "consent {\n category videos {\n hosts v.example\n }\n}",
			[]string{`category "videos"`, "needs a label", "Testfile:2"}},
		{"unknown text key", "consent {\n policy_version 1\n text en acept_all \"OK\"\n}",
			[]string{`text en "acept_all"`, `did you mean "accept_all"?`, "accept_all, always_on", "Testfile:3"}},
		{"text key of an undeclared category", "consent {\n text * cat.videos.label Videos\n}", []string{`"cat.videos.label"`, "Testfile:2"}},
		{"text language not bundled", "consent {\n text tlh title Qapla\n}", []string{`text "tlh": no bundled texts`, "Testfile:2"}},
		{"script privacy URL", "consent {\n privacy_url javascript:alert(1)\n}", []string{`privacy_url "javascript:alert(1)"`, "http", "Testfile:2"}},
		{"data cookie URL", "consent {\n\n cookie_url data:text/html,x\n}", []string{`cookie_url "data:text/html,x"`, "Testfile:3"}},
		{"notice default misspelt", "consent {\n notice_defaults preferences analytic\n category chat {\n label Chat\n }\n}",
			[]string{`notice_defaults "analytic"`, `did you mean "analytics"?`, "Testfile:2"}},
		{"bad cookie name", "consent {\n cookie_name \"a b\"\n}", []string{`cookie_name "a b"`, "Testfile:2"}},
		{"bad cookie domain", "consent {\n cookie_domain \"example.com; Secure\"\n}", []string{`cookie_domain "example.com; Secure"`, "Testfile:2"}},
		{"bad prefix character", "consent {\n prefix /_con%20sent\n}", []string{`prefix "/_con%20sent"`, "Testfile:2"}},
		{"bad date at its line", "consent {\n policy_version 1\n gpc_last_update 2024/01/31\n}", []string{`gpc_last_update "2024/01/31"`, "Testfile:3"}},
		{"bad site", "consent {\n sites shop.example \"a b\"\n}", []string{`sites "a b"`, "Testfile:2"}},
		{"crawlers mode", "consent {\n policy_version 1\n crawlers all\n}", []string{`crawlers "all": want known or none`, "Testfile:3"}},
		{"crawlers short pattern", "consent {\n crawlers known Mo\n}", []string{`crawler agent "Mo"`, "at least 3 characters", "Testfile:2"}},
		{"crawlers bare", "consent {\n crawlers\n}", []string{"wrong argument count", "Testfile:2"}},
		{"crawlers twice", "consent {\n crawlers none\n crawlers known\n}", []string{"crawlers: given more than once", "Testfile:3"}},
		{"assume_https maybe", "consent {\n\n assume_https maybe\n}", []string{`assume_https "maybe": want on or off`, "Testfile:3"}},
		{"assume_https twice", "consent {\n assume_https\n assume_https off\n}", []string{"assume_https: given more than once", "Testfile:3"}},
		{"64 characters, not hex", "consent {\n hash_key " + strings.Repeat("g", 64) + "\n}",
			[]string{"hash_key: 64 characters, not hex, decode as base64 to 48 bytes, want 32 or 64 bytes, written as 64 or 128 hex digits or as base64 (44 or 88 characters", "Testfile:2"}},
	}
	checkUnmarshalErrors(t, tests)
}

// TestUnmarshalRegimesErrors checks the exact error of each bad value.
func TestUnmarshalRegimesErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"country_header without value", "consent {\n country_header\n}",
			"wrong argument count or unexpected line ending after 'country_header', at Testfile:2"},
		{"country_header two values", "consent {\n country_header CF-IPCountry X-Country\n}",
			"wrong argument count or unexpected line ending after 'X-Country', at Testfile:2"},
		{"country_header not a header name", "consent {\n\n country_header CF:IPCountry\n}",
			`country_header "CF:IPCountry": not a valid header name, at Testfile:3`},
		{"country_header twice", "consent {\n country_header A\n country_header B\n}",
			"country_header: given more than once, at Testfile:3"},
		{"region_header not a header name", "consent {\n country_header CF-IPCountry\n region_header \"CF Region\"\n}",
			`region_header "CF Region": not a valid header name, at Testfile:3`},
		{"region_header without country_header", "consent {\n region_header CF-Region-Code\n}",
			"region_header given without country_header: the region is only read for a country the header names, at Testfile:2"},
		{"geoip_db without value", "consent {\n geoip_db\n}",
			"wrong argument count or unexpected line ending after 'geoip_db', at Testfile:2"},
		{"geoip_db twice", "consent {\n geoip_db a.mmdb\n geoip_db b.mmdb\n}",
			"geoip_db: given more than once, at Testfile:3"},
		{"regime one value", "consent {\n regime BR\n}",
			"wrong argument count or unexpected line ending after 'BR', at Testfile:2"},
		{"regime three values", "consent {\n regime BR opt-in now\n}",
			"wrong argument count or unexpected line ending after 'now', at Testfile:2"},
		{"regime country name", "consent {\n regime Brazil opt-in\n}",
			`regime "Brazil": want an ISO country code (BR) or country-region (US-NV), at Testfile:2`},
		{"regime empty region", "consent {\n regime US- opt-out\n}",
			`regime "US-": want an ISO country code (BR) or country-region (US-NV), at Testfile:2`},
		{"regime long region", "consent {\n regime US-CALI opt-out\n}",
			`regime "US-CALI": want an ISO country code (BR) or country-region (US-NV), at Testfile:2`},
		{"regime unknown value", "consent {\n\n\n regime BR gdpr\n}",
			`regime BR "gdpr": want opt-in, opt-out or notice, at Testfile:4`},
		{"regime twice", "consent {\n regime BR opt-in\n regime br notice\n}",
			"regime BR: given more than once, at Testfile:3"},
		{"max_age above 400 days", "consent {\n max_age opt-out 401d\n}",
			`max_age "401d": longer than the 400 days (400d) browsers keep a cookie, at Testfile:2`},
		{"max_age above 400 days for all", "consent {\n max_age 9601h\n}",
			`max_age "9601h": longer than the 400 days (400d) browsers keep a cookie, at Testfile:2`},
		{"default_regime unknown", "consent {\n default_regime strict\n}",
			`default_regime "strict": want opt-in, opt-out or notice, at Testfile:2`},
		{"log bad store", "consent {\n log mongodb://x\n}",
			`log "mongodb://x": want sqlite, postgres or off, at Testfile:2`},
		{"retention bad", "consent {\n policy_version 1\n retention 12\n}",
			`retention "12": not a duration (e.g. 400d) or forever, at Testfile:3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
		})
	}
}

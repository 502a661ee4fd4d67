package sdk

import (
	"log/slog"
	"strings"
	"testing"
)

// newQuiet is New with test keys and no log output.
func newQuiet(o Options) (*Consent, error) {
	o.Keys = []KeyPair{{Hash: testHash, Block: testBlock}}
	o.Logger = slog.New(slog.DiscardHandler)
	return New(o)
}

// TestNewRefusesMisleadingOptions: options that used to load and quietly
// do something else than the operator meant are refused, with an error that
// says what would have been right.
func TestNewRefusesMisleadingOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want []string // substrings of the error
	}{
		{"misspelt category", Options{Categories: []Category{{Key: "analytcs", Hosts: []string{"stats.example"}}}},
			[]string{`category "analytcs"`, "label", `did you mean "analytics"?`}},
		{"misspelt category, two letters off", Options{Categories: []Category{{Key: "advertsing", Hosts: []string{"ads.example"}}}},
			[]string{`did you mean "advertising"?`}},
		{"new category without a label", Options{Categories: []Category{{Key: "videos", Hosts: []string{"video.example"}}}},
			[]string{`category "videos"`, "needs a label"}},
		{"near miss of another new category", Options{Categories: []Category{{Key: "videos", Label: "Videos"}, {Key: "vidoes", Hosts: []string{"v.example"}}}},
			[]string{`category "vidoes"`, `did you mean "videos"?`}},
		{"unknown text key", Options{Texts: map[string]map[string]string{"en": {"acept_all": "OK"}}},
			[]string{`"acept_all"`, "en", `did you mean "accept_all"?`, "accept_all, always_on, body"}},
		{"unknown text key for every language", Options{Texts: map[string]map[string]string{"": {"titel": "Cookies"}}},
			[]string{`"titel"`, `did you mean "title"?`}},
		{"text for an unknown category", Options{Texts: map[string]map[string]string{"": {"cat.videos.label": "Videos"}}},
			[]string{`"cat.videos.label"`}},
		{"text in a language not bundled", Options{Texts: map[string]map[string]string{"tlh": {"title": "x"}}},
			[]string{`"tlh"`, "not bundled"}},
		{"script privacy URL", Options{PrivacyURL: "javascript:alert(1)"}, []string{"privacy URL", "javascript:alert(1)", "http"}},
		{"script privacy URL, mixed case", Options{PrivacyURL: "JaVaScRiPt:alert(1)"}, []string{"privacy URL"}},
		{"script privacy URL, leading space", Options{PrivacyURL: " javascript:alert(1)"}, []string{"privacy URL"}},
		{"script privacy URL, tab inside", Options{PrivacyURL: "java\tscript:alert(1)"}, []string{"privacy URL"}},
		{"data cookie URL", Options{CookieURL: "data:text/html,<script>alert(1)</script>"}, []string{"cookie URL"}},
		{"vbscript cookie URL", Options{CookieURL: "vbscript:msgbox(1)"}, []string{"cookie URL"}},
		{"https without a host", Options{PrivacyURL: "https:privacy"}, []string{"privacy URL"}},
		{"unknown notice default", Options{NoticeDefaults: []string{"analytic"}}, []string{`"analytic"`, `did you mean "analytics"?`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newQuiet(tc.o)
			if err == nil {
				t.Fatalf("New accepted %+v", tc.o)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestNewAcceptsWhatIsMeant: the legitimate neighbours of the refused
// options still load.
func TestNewAcceptsWhatIsMeant(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"a default category extended", Options{Categories: []Category{{Key: "analytics", Hosts: []string{"stats.example"}}}}},
		{"a new category with a label", Options{Categories: []Category{{Key: "videos", Label: "Videos", Hosts: []string{"video.example"}}}}},
		{"a near name with its own label", Options{Categories: []Category{{Key: "analytic", Label: "Site statistics"}}}},
		{"a label given in another entry", Options{Categories: []Category{{Key: "videos", Hosts: []string{"v.example"}}, {Key: "videos", Label: "Videos"}}}},
		{"a text for a new category", Options{Categories: []Category{{Key: "videos", Label: "Videos"}}, Texts: map[string]map[string]string{"de": {"cat.videos.label": "Videos auf der Seite"}}}},
		{"known text keys", Options{Texts: map[string]map[string]string{"en": {"accept_all": "OK", "cat.analytics.label": "Stats", "decl_title": "Cookies"}, "": {"title": "T"}}}},
		{"relative and web URLs", Options{PrivacyURL: "privacy.html", CookieURL: "https://corp.example/cookies?x=1#top"}},
		{"path URLs", Options{PrivacyURL: "/legal/privacy", CookieURL: "//corp.example/cookies"}},
		{"http URL", Options{PrivacyURL: "HTTP://corp.example/privacy"}},
		{"a path with a colon later", Options{PrivacyURL: "/legal/privacy:2022"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := newQuiet(tc.o); err != nil {
				t.Errorf("New: %v", err)
			}
		})
	}
}

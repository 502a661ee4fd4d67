package banner

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserCookieTable: the preference centre lists each category's
// cookies in a table (name, purpose, lifetime, who sets them) under a
// disclosure, from cookie objects and from bare names alike, the details of
// bare names fetched from the config's cookieData when it opens (the names
// alone stay if that fails), and a refusal deletes the visible cookies named
// by either.
func TestBrowserCookieTable(t *testing.T) {
	tab := browser(t)
	en := Texts("en")
	lazy := map[string][]map[string]string{"analytics": {
		{"name": "_ga", "purpose": "Distinguishes visitors", "lifetime": "2 years", "party": "first"},
		{"name": "_ga_*", "purpose": "Keeps the session state", "lifetime": "2 years", "party": "first"},
	}}
	for _, tc := range []struct {
		name          string
		cookies       any
		details       any
		detailsStatus int
		rows          [][]string
	}{
		{
			name:    "names with lazy details",
			cookies: []string{"_ga", "_ga_*"},
			details: lazy,
			rows: [][]string{
				{"_ga", "Distinguishes visitors", "2 years", en["party_first"]},
				{"_ga_*", "Keeps the session state", "2 years", en["party_first"]},
			},
		},
		{
			name:          "names when the details fail",
			cookies:       []string{"_ga", "_ga_*"},
			detailsStatus: http.StatusInternalServerError,
			rows:          [][]string{{"_ga", "", "", ""}, {"_ga_*", "", "", ""}},
		},
		{
			name: "objects",
			cookies: []map[string]string{
				{"name": "_ga", "purpose": "Distinguishes visitors", "lifetime": "2 years", "party": "first"},
				{"name": "IDE", "purpose": "Serves ads", "lifetime": "13 months", "party": "third"},
			},
			rows: [][]string{
				{"_ga", "Distinguishes visitors", "2 years", en["party_first"]},
				{"IDE", "Serves ads", "13 months", en["party_third"]},
			},
		},
		{
			name:    "bare names",
			cookies: []string{"_ga", "_ga_*"},
			rows:    [][]string{{"_ga", "", "", ""}, {"_ga_*", "", "", ""}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &site{t: t, state: newState(false), show: true, cookies: tc.cookies, details: tc.details, detailsStatus: tc.detailsStatus}
			ctx := tab()
			do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
			const ck = `#cs-c-analytics-d ~ details.cs-ck`
			s.mu.Lock()
			hits := s.detailsHits
			s.mu.Unlock()
			if hits != 0 {
				t.Errorf("cookie details fetched %d times before the preference centre opened, want 0", hits)
			}
			do(t, ctx, chromedp.Click(action("customise")), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")))
			if tc.details != nil {
				waitFor(t, ctx, `document.querySelector('`+ck+` tbody td').textContent !== ''`)
			} else if tc.detailsStatus != 0 {
				waitFor(t, ctx, `performance.getEntriesByType('resource').some(e => e.name.includes('cookies.en.test.json'))`)
			}
			if got := eval[string](t, ctx, `document.querySelector('`+ck+` summary').textContent`); got != en["cookie_list"]+" (2)" {
				t.Errorf("summary = %q, want %q", got, en["cookie_list"]+" (2)")
			}
			if eval[bool](t, ctx, `document.querySelector('`+ck+`').open`) {
				t.Error("cookie list open by default, want it folded")
			}
			do(t, ctx, chromedp.Click(chromedp.CSS(ck+" summary")), chromedp.WaitVisible(chromedp.CSS(ck+" table")))
			head := eval[[]string](t, ctx, `[...document.querySelectorAll('`+ck+` thead th[scope=col]')].map(th => th.textContent)`)
			if want := []string{en["cookie_name"], en["cookie_purpose"], en["cookie_lifetime"], en["cookie_party"]}; !slices.Equal(head, want) {
				t.Errorf("column headers = %v, want %v", head, want)
			}
			rows := eval[[][]string](t, ctx, `[...document.querySelectorAll('`+ck+` tbody tr')].map(tr => [...tr.cells].map(c => c.textContent))`)
			if !slices.EqualFunc(rows, tc.rows, slices.Equal) {
				t.Errorf("rows = %q, want %q", rows, tc.rows)
			}
			if got := eval[string](t, ctx, `[...document.querySelectorAll('`+ck+` tbody tr > :first-child')].map(c => c.tagName + c.getAttribute('scope')).join()`); got != "THrow,THrow" {
				t.Errorf("row headers = %s, want THrow,THrow", got)
			}
			do(t, ctx, chromedp.Click(chromedp.CSS(`#consentry-prefs [data-consent-action=reject_all]`)),
				chromedp.WaitNotVisible(chromedp.CSS("#consentry-prefs")))
			waitFor(t, ctx, `changes.length === 1`)
			if got := eval[string](t, ctx, `document.cookie`); strings.Contains(got, "_ga=") {
				t.Errorf("cookie _ga survived the refusal: %q", got)
			}
		})
	}
}

// TestBrowserFocusStaysInDialog: in the open preference centre Tab and
// Shift+Tab cycle through its controls and never leave it; closing it puts
// focus back where it was.
func TestBrowserFocusStaysInDialog(t *testing.T) {
	tab := browser(t)
	s := &site{t: t, state: newState(false), show: true}
	ctx := tab()
	do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")),
		chromedp.Focus(action("customise")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")))
	const where = `(() => { const a = document.activeElement, d = document.getElementById('consentry-prefs');
		return d.contains(a) ? (a.getAttribute('data-consent-action') || a.id || a.getAttribute('href') || a.tagName) : 'OUTSIDE:' + a.tagName; })()`
	n := eval[int](t, ctx, `[...document.querySelectorAll('#consentry-prefs a[href], #consentry-prefs button, #consentry-prefs input:not(:disabled), #consentry-prefs summary')].length`)
	var forward, backward []string
	for range n + 2 {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		forward = append(forward, eval[string](t, ctx, where))
	}
	for range n + 2 {
		do(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
		backward = append(backward, eval[string](t, ctx, where))
	}
	for _, w := range append(slices.Clone(forward), backward...) {
		if strings.HasPrefix(w, "OUTSIDE") {
			t.Fatalf("focus left the dialog: forward %v, backward %v", forward, backward)
		}
	}
	// Tab visits every control once before it wraps to the first again.
	first := forward[:n]
	if len(uniq(first)) != n {
		t.Errorf("Tab visited %v, want %d distinct controls before wrapping", first, n)
	}
	if forward[n] != forward[0] {
		t.Errorf("Tab after the last control went to %s, want the first (%s)", forward[n], forward[0])
	}
	// Focus is on forward[n+1] = forward[1]: Shift+Tab goes back to the
	// first control, then wraps to the last.
	if backward[0] != forward[0] || backward[1] != forward[n-1] {
		t.Errorf("Shift+Tab went %v, want %s then %s (wrapping to the last)", backward[:2], forward[0], forward[n-1])
	}
	do(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#consentry-prefs")))
	if !eval[bool](t, ctx, `document.activeElement === document.querySelector('#consentry-banner [data-consent-action=customise]')`) {
		t.Error("focus did not return to Customise")
	}
}

// uniq returns the distinct values of s.
func uniq(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}

// TestBrowserEnterOnLinkOpens: Enter on a settings link opens the
// preference centre and it stays open. A link acts on Enter's keydown; the
// keypress that follows goes to whatever has focus then, and must not press
// a button of the just-opened dialog (its close button would shut it).
func TestBrowserEnterOnLinkOpens(t *testing.T) {
	tab := browser(t)
	s := &site{t: t, state: newState(true, "analytics"), show: true}
	ctx := tab()
	do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitReady(chromedp.CSS("#consentry-prefs")),
		chromedp.Focus(chromedp.CSS("#relink")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")))
	if !eval[bool](t, ctx, `document.getElementById('consentry-prefs').open && document.getElementById('consentry-prefs').contains(document.activeElement)`) {
		t.Fatal("the preference centre did not stay open with focus inside after Enter on the link")
	}
	do(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#consentry-prefs")))
	if !eval[bool](t, ctx, `document.activeElement === document.getElementById('relink')`) {
		t.Error("focus did not return to the link")
	}
}

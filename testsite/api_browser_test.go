package testsite

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// apiSaved runs a choice of the page API (a JavaScript expression giving a
// promise) and waits until it settles; it returns the rejection's message,
// "" when it resolved with a decided state.
func (b *browser) apiSaved(call string) string {
	b.t.Helper()
	b.do(call, chromedp.Evaluate[chromedp.Void](`__api.done = null; `+call+
		`.then(s => { __api.done = s && s.decided ? 'ok' : 'undecided' }, e => { __api.done = 'error: ' + e.message })`))
	b.waitJS(call+" settled", `__api.done !== null`)
	if got := eval[string](b, `__api.done`); got != "ok" {
		return got
	}
	return ""
}

// TestBrowserPageAPI: api.html uses every call docs/API.md documents, and
// each works: onReady and consent:ready once, with the state; open() and a
// data-consent-open link open the preference centre; save(), accept() and
// reject() decide, each announced once to onChange and consent:change with
// the new state (the same frozen copy); a forged consent:change reaches no
// onChange callback; the unsubscribe that onChange returns works; manual
// tagging runs on a grant; the placeholder names the vendor; and neither
// window.consentry, its methods nor a state it hands out can be changed by
// the page.
func TestBrowserPageAPI(t *testing.T) {
	b := newBrowser(t)
	b.open(demo.url(t, "/api.html"))
	b.waitJS("onReady", `__api.ready.length === 1`)
	if n := eval[int](b, `__api.readyEvents.length`); n != 1 {
		t.Errorf("consent:ready fired %d times, want 1", n)
	}
	if !eval[bool](b, `__api.ready[0].decided === false && __api.ready[0].categories.necessary === true && __api.readyEvents[0].regime === 'opt-in'`) {
		t.Errorf("onReady/consent:ready state = %s", eval[string](b, `JSON.stringify([__api.ready[0], __api.readyEvents[0]])`))
	}

	// The live object has exactly the members banner/consentry.d.ts
	// declares (and docs/API.md documents: TestDeclarationsMatchTheDocs).
	decl, err := os.ReadFile(filepath.Join("..", "banner", "consentry.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, m := range regexp.MustCompile(`(?m)^  readonly (\w+): \(`).FindAllStringSubmatch(string(decl), -1) {
		declared = append(declared, m[1])
	}
	slices.Sort(declared)
	live := eval[[]string](b, `Object.keys(window.consentry).filter(k => typeof consentry[k] === 'function').sort()`)
	if len(declared) < 8 || !slices.Equal(live, declared) ||
		eval[int](b, `Object.keys(window.consentry).length`) != len(declared) {
		t.Errorf("window.consentry has %v, consentry.d.ts declares %v", live, declared)
	}

	// Freeze: nothing the page does changes the API or the state.
	frozen := eval[string](b, `(() => {
		'use strict';
		const c = window.consentry, out = [];
		const tryIt = (what, f) => { try { f(); out.push(what + ' allowed'); } catch (e) { if (!(e instanceof TypeError)) out.push(what + ': ' + e); } };
		tryIt('replace window.consentry', () => { window.consentry = { accept() {} }; });
		tryIt('delete window.consentry', () => { delete window.consentry; });
		tryIt('replace accept', () => { c.accept = () => 'hijacked'; });
		tryIt('add a member', () => { c.extra = 1; });
		tryIt('redefine state', () => { Object.defineProperty(c, 'state', { value: () => ({}) }); });
		const s = c.state();
		tryIt('grant in a state copy', () => { s.categories.analytics = true; });
		tryIt('decide in a state copy', () => { s.decided = true; });
		if (window.consentry !== __api.object) out.push('window.consentry is another object');
		if (c.state().categories.analytics !== false || c.state().decided) out.push('the state changed');
		if (!Object.isFrozen(c)) out.push('not frozen');
		return out.join('; ');
	})()`)
	if frozen != "" {
		t.Errorf("the page changed the API: %s", frozen)
	}

	// A forged event reaches the raw listener, never onChange.
	b.do("forge consent:change", chromedp.Evaluate[chromedp.Void](
		`document.dispatchEvent(new CustomEvent('consent:change', { detail: { decided: true, categories: { analytics: true } } }))`))
	if n := eval[int](b, `__api.changes.length`); n != 0 {
		t.Errorf("a forged consent:change reached onChange (%d calls)", n)
	}

	// The placeholder names the vendor (the site's "Demo social") and the
	// category.
	b.do("placeholder", chromedp.WaitVisible(chromedp.CSS(`.consentry-placeholder`)))
	ph := eval[string](b, `document.querySelector('.consentry-placeholder').textContent`)
	if !strings.Contains(ph, "Demo social") || !strings.Contains(ph, "Social media") {
		t.Errorf("placeholder = %q, want the vendor (Demo social) and the category (Social media)", ph)
	}

	// open() and a data-consent-open link open the preference centre; the
	// link's real href (for visitors without JavaScript) is not followed.
	b.clickInPage("#open-api")
	b.waitJS("consentry.open()", `document.getElementById('consentry-prefs').open`)
	b.do("close", chromedp.KeyEvent(kb.Escape))
	b.waitJS("closed", `!document.getElementById('consentry-prefs').open`)
	b.clickInPage("#settings-link")
	b.waitJS("data-consent-open", `document.getElementById('consentry-prefs').open`)
	if got := eval[string](b, `location.pathname`); got != "/api.html" {
		t.Errorf("the data-consent-open link navigated to %s", got)
	}
	b.do("close()", chromedp.Evaluate[chromedp.Void](`consentry.close()`))
	b.waitJS("closed by close()", `!document.getElementById('consentry-prefs').open`)

	// save(categories): custom, announced once with the new state.
	if err := b.apiSaved(`consentry.save(['analytics'])`); err != "" {
		t.Fatalf("save: %s", err)
	}
	b.waitJS("onChange after save", `__api.changes.length === 1`)
	want := func(when, expr string) {
		t.Helper()
		if !eval[bool](b, expr) {
			t.Errorf("%s: %s is false; changes %s", when, expr, eval[string](b, `JSON.stringify(__api.changes)`))
		}
	}
	want("save", `__api.changes[0].method === 'custom' && __api.changes[0].categories.analytics === true && __api.changes[0].categories.social === false`)
	want("save", `__api.events[__api.events.length - 1] === __api.changes[0] && Object.isFrozen(__api.changes[0].categories)`)
	b.waitJS("manual tag ran", `__api.manual === 1`)

	// accept(): everything, the embed loads in place of its placeholder.
	if err := b.apiSaved(`consentry.accept()`); err != "" {
		t.Fatalf("accept: %s", err)
	}
	b.waitJS("onChange after accept", `__api.changes.length === 2`)
	want("accept", `__api.changes[1].method === 'accept_all' && __api.changes[1].categories.social === true`)
	b.waitJS("embed shown", `!document.querySelector('.consentry-placeholder') && !!document.querySelector('iframe[title="Social feed"]').getAttribute('src')`)

	// An unknown category is refused: the promise rejects, nothing changes.
	if err := b.apiSaved(`consentry.save(['nonsense'])`); !strings.HasPrefix(err, "error:") {
		t.Errorf("save(['nonsense']) = %q, want a rejection", err)
	}
	want("refused save", `consentry.state().categories.social === true && __api.changes.length === 2`)

	// reject(): announced; then the unsubscribe stops onChange.
	if err := b.apiSaved(`consentry.reject()`); err != "" {
		t.Fatalf("reject: %s", err)
	}
	b.waitJS("onChange after reject", `__api.changes.length === 3`)
	want("reject", `__api.changes[2].method === 'reject_all' && __api.changes[2].categories.analytics === false`)
	b.do("unsubscribe", chromedp.Evaluate[chromedp.Void](`__api.off()`))
	if err := b.apiSaved(`consentry.accept()`); err != "" {
		t.Fatalf("accept again: %s", err)
	}
	b.waitJS("consent:change after the unsubscribe", `__api.events.length === 5`) // 1 forged + 4 real
	want("unsubscribed", `__api.changes.length === 3`)

	// onReady called back once only, and a late onReady is called at once.
	b.do("late onReady", chromedp.Evaluate[chromedp.Void](`consentry.onReady(s => { __api.late = s })`))
	b.waitJS("late onReady", `!!__api.late && __api.late.method === 'accept_all'`)
	want("end", `__api.ready.length === 1 && __api.readyEvents.length === 1`)
}

package banner

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The page API's members and events as docs/API.md documents them (its
// "### `consentry.<name>…`" and "### `consent:<event>`" headings) and as
// banner/consentry.d.ts declares them (ConsentryAPI's readonly members,
// DocumentEventMap's "consent:<event>" keys).
var (
	docMemberRE  = regexp.MustCompile("(?m)^### `consentry\\.(\\w+)\\(")
	docEventRE   = regexp.MustCompile("(?m)^### `(consent:\\w+)`")
	declMemberRE = regexp.MustCompile(`(?m)^  readonly (\w+): `)
	declEventRE  = regexp.MustCompile(`(?m)^    "(consent:\w+)": CustomEvent<ConsentState>;`)
)

func matches(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// apiDecl returns the members of window.consentry and the events that
// consentry.d.ts declares, sorted. (The testsite's TestBrowserPageAPI
// compares the live object with the same members.)
func apiDecl(t *testing.T) (members, events []string) {
	t.Helper()
	b, err := os.ReadFile("consentry.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "export interface ConsentryAPI {"), strings.Index(s, "declare global")
	if i < 0 || j < i {
		t.Fatal("consentry.d.ts: no ConsentryAPI interface before declare global")
	}
	return matches(declMemberRE, s[i:j]), matches(declEventRE, s[j:])
}

// TestDeclarationsMatchTheDocs: docs/API.md and consentry.d.ts list the
// same members and events.
func TestDeclarationsMatchTheDocs(t *testing.T) {
	members, events := apiDecl(t)
	doc, err := os.ReadFile(filepath.Join("..", "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	dm, de := matches(docMemberRE, string(doc)), matches(docEventRE, string(doc))
	if len(members) < 8 || !slices.Equal(members, dm) {
		t.Errorf("members: consentry.d.ts declares %v, docs/API.md documents %v", members, dm)
	}
	if len(events) != 2 || !slices.Equal(events, de) {
		t.Errorf("events: consentry.d.ts declares %v, docs/API.md documents %v", events, de)
	}
}

// tscPath finds TypeScript's compiler: CONSENTRY_TSC, else the one test.sh
// installs in .cache, else tsc on PATH; "" when there is none.
func tscPath() string {
	if p := os.Getenv("CONSENTRY_TSC"); p != "" {
		return p
	}
	if p, err := filepath.Abs(filepath.Join("..", ".cache", "typescript", "node_modules", ".bin", "tsc")); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("tsc")
	return p
}

// TestDeclarationsCompile: a program using every member as docs/API.md
// shows compiles under tsc --strict, and each of six misuses (replacing
// window.consentry or a method, writing to a state copy, save with a
// string) is a type error.
func TestDeclarationsCompile(t *testing.T) {
	tsc := tscPath()
	if tsc == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("tsc not found (CONSENTRY_TSC, .cache/typescript or PATH); CI needs the declaration check")
		}
		t.Skip("tsc not found; ./test.sh installs it")
	}
	run := func(file string) (string, error) {
		cmd := exec.Command(tsc, "--noEmit", "--strict", "--target", "es2017", "--lib", "es2017,dom",
			"--module", "es2015", "--moduleResolution", "node", filepath.Join("testdata", "api", file))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("usage.ts"); err != nil {
		t.Errorf("usage.ts does not compile: %v\n%s", err, out)
	}
	out, err := run("misuse.ts")
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("misuse.ts: %v (want type errors)\n%s", err, out)
	}
	if n := strings.Count(out, "error TS"); n != 6 {
		t.Errorf("misuse.ts: %d type errors, want 6:\n%s", n, out)
	}
	for line := 6; line <= 11; line++ { // one error on each misuse
		if !strings.Contains(out, "misuse.ts("+strconv.Itoa(line)+",") {
			t.Errorf("misuse.ts line %d is no type error:\n%s", line, out)
		}
	}
}

package httpfield

import "testing"

func TestCookies(t *testing.T) {
	var got []CookiePair
	for p := range Cookies([]string{" a=1 ;b = 2; ;c", `d="q"`}) {
		got = append(got, p)
	}
	want := []CookiePair{
		{Name: "a", Value: "1", Text: "a=1", HasEq: true},
		{Name: "b", Value: " 2", Text: "b = 2", HasEq: true},
		{Name: "c", Text: "c"},
		{Name: "d", Value: `"q"`, Text: `d="q"`, HasEq: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d pairs, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pair %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if u := got[3].Unquoted(); u != "q" {
		t.Errorf("Unquoted = %q", u)
	}
	n := 0
	for range Cookies([]string{"a=1; b=2; c=3"}) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("iteration did not stop at break")
	}
}

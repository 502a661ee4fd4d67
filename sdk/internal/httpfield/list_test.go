package httpfield

import (
	"slices"
	"testing"
)

func TestSplitList(t *testing.T) {
	for in, want := range map[string][]string{
		`"a", W/"b,c" , *`:                          {`"a"`, `W/"b,c"`, `*`},
		`no-cache, private="x,y", max-age=0`:        {`no-cache`, `private="x,y"`, `max-age=0`},
		`private="a\",b", public`:                   {`private="a\",b"`, `public`},
		`<https://x.example/a,b>; rel=preload, <y>`: {`<https://x.example/a,b>; rel=preload`, `<y>`},
		` , ,`:                     nil,
		``:                         nil,
		`"unterminated, still one`: {`"unterminated, still one`},
	} {
		if got := SplitList(in); !slices.Equal(got, want) {
			t.Errorf("SplitList(%q) = %q, want %q", in, got, want)
		}
	}
}

package banner

import (
	"embed"
	"strings"
	"sync"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
)

//go:embed extra/*.css
var extraFS embed.FS

// extraCSS holds the minified extra stylesheets, by name.
var extraCSS = sync.OnceValue(func() map[string]string {
	m := minify.New()
	m.Add("text/css", &css.Minifier{})
	out := map[string]string{}
	entries, _ := extraFS.ReadDir("extra") // embedded: cannot fail
	for _, e := range entries {
		src, _ := extraFS.ReadFile("extra/" + e.Name())
		body, err := m.Bytes("text/css", src)
		if err != nil {
			body = src
		}
		out[strings.TrimSuffix(e.Name(), ".css")] = string(body)
	}
	return out
})

// ExtraCSS returns, minified, the styles the banner needs only for some
// appearances, to be added to the banner configuration (which carries them
// to the script, which applies them with its own): "box" and "modal" for
// those layouts of the first layer, "logo" for a logo. Any other name
// gives "". Sites that use none of them load none of them.
func ExtraCSS(name string) string {
	return extraCSS()[name]
}

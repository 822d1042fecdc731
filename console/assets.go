package console

import (
	"embed"
	"io/fs"
	"net/http"
	"unicode/utf8"
)

// The console's pages: plain HTML, CSS and JavaScript, embedded so that the
// binary serves them without files or network (no CDN).
//
//go:embed static
var staticFiles embed.FS

// assetHandler serves the embedded pages; the console is one page whose
// views are chosen by the URL fragment.
func assetHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		files.ServeHTTP(w, r)
	})
}

// textOf returns b as text when it is UTF-8; a body cut at a preview limit
// may end inside a character, which is dropped.
func textOf(b []byte, cut bool) (string, bool) {
	if cut {
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

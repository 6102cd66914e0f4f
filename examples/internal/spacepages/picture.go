package spacepages

// This file holds the pages' template functions: the avatars' pictures
// and initials.

import (
	"html/template"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// funcs are the template functions of the pages.
var funcs = template.FuncMap{
	"picture":  picture,
	"initials": initials,
}

// imageTypes are the media types of data: pictures drawn as images. An
// <img> runs no script, not even an SVG's.
var imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml"}

// picture returns the URL of an avatar to put in an <img>, or "" when
// there is none to draw: an http(s) URL (Hugging Face's avatars), a path
// on this app, or a data: image (offline avatars, as mock mode may give).
// html/template would turn a data: URL into "#ZgotmplZ", and anything else
// (javascript:, data:text/html, …) is no picture.
func picture(s string) template.URL {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, `/\`) {
		return template.URL(s) //nolint:gosec // G203: a path on this app, in an <img>
	}
	if meta, ok := strings.CutPrefix(s, "data:"); ok {
		mediaType, _, _ := strings.Cut(meta, ",")
		mediaType, _, _ = strings.Cut(mediaType, ";")
		for _, t := range imageTypes {
			if strings.EqualFold(mediaType, t) {
				return template.URL(s) //nolint:gosec // G203: an image, which an <img> draws without running anything
			}
		}
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return template.URL(u.String()) //nolint:gosec // G203: an http(s) URL, in an <img>
}

// initials are what an avatar frame shows under (or without) the picture:
// the first letters of the first and last words of name ("Ada Lovelace":
// "AL", "acme-research": "AR"), else of username, else "?".
func initials(name, username string) string {
	split := func(r rune) bool { return unicode.IsSpace(r) || r == '-' || r == '_' || r == '.' }
	words := strings.FieldsFunc(name, split)
	if len(words) == 0 {
		words = strings.FieldsFunc(username, split)
	}
	if len(words) == 0 {
		return "?"
	}
	first := func(w string) string {
		r, _ := utf8.DecodeRuneInString(w)
		return string(unicode.ToUpper(r))
	}
	s := first(words[0])
	if len(words) > 1 {
		s += first(words[len(words)-1])
	}
	return s
}

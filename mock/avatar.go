package mock

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// avatar returns a picture for name that needs no network: an SVG data URI
// showing the name's first letter on a color derived from the name. Pages
// that render mock users then look the same offline as online.
func avatar(name string) string {
	initial, _ := utf8.DecodeRuneInString(name)
	if !unicode.IsLetter(initial) && !unicode.IsDigit(initial) {
		initial = '?'
	}
	h := sha256.Sum256([]byte(name))
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">`+
		`<rect width="64" height="64" fill="hsl(%d,55%%,45%%)"/>`+
		`<text x="32" y="43" font-family="sans-serif" font-size="30" text-anchor="middle" fill="#fff">%c</text></svg>`,
		int(h[0])*360/256, unicode.ToUpper(initial))
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

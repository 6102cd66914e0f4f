package mock

import (
	"crypto/sha256"
	"encoding/base64"
)

// avatarColors are the backgrounds of mock avatars, one per name.
var avatarColors = [...]string{"#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6"}

// avatar returns a picture for name that needs no network: an SVG data URI
// showing the name's first letter on a color derived from the name. Pages
// that render mock users then look the same offline as online. Every
// avatar has the same length and differs from another only in its color
// and letter, so that the avatars of one session compress to little more
// than one in its cookie.
func avatar(name string) string {
	initial := byte('?')
	if name != "" {
		switch c := name[0]; {
		case 'a' <= c && c <= 'z':
			initial = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			initial = c
		}
	}
	h := sha256.Sum256([]byte(name))
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
		`<rect width="64" height="64" fill="` + avatarColors[int(h[0])%len(avatarColors)] + `"/>` +
		`<text x="32" y="43" font-family="sans-serif" font-size="30" text-anchor="middle" fill="#fff">` + string(initial) + `</text></svg>`
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

package spacepages

import (
	"html/template"
	"testing"
)

// pixel is a one-pixel orange SVG as a data: URI.
const pixel = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiIGZpbGw9IiNmOTAiLz48L3N2Zz4="

func TestPicture(t *testing.T) {
	tests := []struct {
		in   string
		want template.URL
	}{
		{"https://cdn-avatars.huggingface.co/v1/a.png", "https://cdn-avatars.huggingface.co/v1/a.png"},
		{"http://127.0.0.1:7860/a.svg", "http://127.0.0.1:7860/a.svg"},
		{"/avatars/a.png", "/avatars/a.png"},
		{pixel, pixel},
		{"data:image/PNG;base64,iVBORw0KGgo=", "data:image/PNG;base64,iVBORw0KGgo="},
		{"data:image/svg+xml,%3Csvg%2F%3E", "data:image/svg+xml,%3Csvg%2F%3E"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"data:,hello", ""},
		{"//evil.example/a.png", ""},
		{`/\evil.example/a.png`, ""},
		{"https://", ""},
		{"avatars/a.png", ""},
		{"ftp://example.com/a.png", ""},
		{"https://exa mple.com/%zz", ""},
	}
	for _, tt := range tests {
		if got := picture(tt.in); got != tt.want {
			t.Errorf("picture(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestInitials(t *testing.T) {
	tests := []struct {
		name, username, want string
	}{
		{"Ada Lovelace", "ada", "AL"},
		{"ACME Research", "acme-research", "AR"},
		{"acme-research", "acme-research", "AR"},
		{"  grace   brewster murray hopper ", "grace", "GH"},
		{"Ada", "ada", "A"},
		{"", "open_models", "OM"},
		{"", "", "?"},
		{"---", "...", "?"},
		{"émile zola", "ez", "ÉZ"},
		{"李 小龙", "bruce", "李小"},
	}
	for _, tt := range tests {
		if got := initials(tt.name, tt.username); got != tt.want {
			t.Errorf("initials(%q, %q) = %q; want %q", tt.name, tt.username, got, tt.want)
		}
	}
}

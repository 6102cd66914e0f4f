package hfauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRoleRank(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	order := []*string{nil, s("owner"), s(RoleRead), s(RoleContributor), s(RoleWrite), s(RoleAdmin)}
	for i := 2; i < len(order); i++ {
		if roleRank(order[i]) <= roleRank(order[i-1]) {
			t.Errorf("roleRank(%s) <= roleRank(%v)", *order[i], order[i-1])
		}
	}
	if roleRank(nil) >= 0 || roleRank(s("owner")) >= 0 {
		t.Error("an unknown role ranks at or above read")
	}
}

// TestIsNavigation: the guards send a logged-out browser navigation to
// login and answer anything else 401. A navigation is a GET or HEAD with
// Sec-Fetch-Mode: navigate; with no Sec-Fetch-Mode, one whose Accept lists
// text/html. Sec-Fetch-Mode decides when present, either way.
func TestIsNavigation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, mode, accept string
		want                 bool
	}{
		{http.MethodGet, "navigate", "", true},
		{http.MethodGet, "navigate", "application/json", true}, // Sec-Fetch-Mode first
		{http.MethodGet, "cors", "text/html", false},           // a script asking for HTML
		{http.MethodGet, "no-cors", "", false},
		{http.MethodGet, "", "text/html,application/xhtml+xml,*/*;q=0.8", true}, // no Sec-Fetch-Mode: Accept
		{http.MethodGet, "", "application/json", false},
		{http.MethodGet, "", "*/*", false},
		{http.MethodGet, "", "", false},
		{http.MethodHead, "navigate", "", true},
		{http.MethodHead, "", "text/html", true},
		{http.MethodPost, "navigate", "text/html", false}, // a form post is never sent to login
		{http.MethodDelete, "", "text/html", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/", nil)
		if tt.mode != "" {
			r.Header.Set("Sec-Fetch-Mode", tt.mode)
		}
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		if got := isNavigation(r); got != tt.want {
			t.Errorf("isNavigation(%s, Sec-Fetch-Mode %q, Accept %q) = %v; want %v", tt.method, tt.mode, tt.accept, got, tt.want)
		}
	}
}

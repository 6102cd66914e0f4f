package hfauth

import "testing"

// TestLoginLink pins the one login link builder: parameters in a fixed
// order, each only when set, the target sanitized and invalid org ids left
// out.
func TestLoginLink(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		l    loginLink
		want string
	}{
		{loginLink{}, "/p" + LoginPath},                                                                                                                                                          // none
		{loginLink{target: "/x?a=b"}, "/p" + LoginPath + "?_target_url=%2Fx%3Fa%3Db"},                                                                                                            // target
		{loginLink{target: "////evil.com"}, "/p" + LoginPath + "?_target_url=%2F"},                                                                                                               // open redirect
		{loginLink{mockKey: "k3y", target: "/x"}, "/p" + LoginPath + "?mock_key=k3y&_target_url=%2Fx"},                                                                                           // mock key
		{loginLink{retries: 2, orgIDs: []string{"abc", "bad id", "def"}, consent: true}, "/p" + LoginPath + "?_nb_redirects=2&orgIds=abc,def&prompt=consent"},                                    // retry
		{loginLink{mockKey: "k", retries: 1, target: "/t", orgIDs: []string{"abc"}, consent: true}, "/p" + LoginPath + "?mock_key=k&_nb_redirects=1&_target_url=%2Ft&orgIds=abc&prompt=consent"}, // all
	} {
		if got := tt.l.build("/p"); got != tt.want {
			t.Errorf("%+v.build = %q; want %q", tt.l, got, tt.want)
		}
	}
}

// TestLogoutURL: the logout link carries the sanitized target, or nothing.
func TestLogoutURL(t *testing.T) {
	t.Parallel()
	o := &OAuth{prefix: "/p"}
	for _, tt := range []struct{ in, want string }{
		{"", "/p" + LogoutPath},
		{"/x", "/p" + LogoutPath + "?_target_url=%2Fx"},
		{"https://evil.com/", "/p" + LogoutPath + "?_target_url=%2F"},
	} {
		if got := o.LogoutURL(tt.in); got != tt.want {
			t.Errorf("LogoutURL(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

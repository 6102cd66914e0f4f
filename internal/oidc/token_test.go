package oidc

import (
	"errors"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
)

func TestAuthStyle(t *testing.T) {
	tests := []struct {
		methods []string
		want    oauth2.AuthStyle
	}{
		{nil, oauth2.AuthStyleInHeader},
		{[]string{}, oauth2.AuthStyleInHeader},
		{[]string{"client_secret_basic"}, oauth2.AuthStyleInHeader},
		{[]string{"client_secret_post", "client_secret_basic"}, oauth2.AuthStyleInHeader},
		{[]string{"client_secret_post"}, oauth2.AuthStyleInParams},
		{[]string{"private_key_jwt", "client_secret_post"}, oauth2.AuthStyleInParams},
		{[]string{"private_key_jwt"}, oauth2.AuthStyleInHeader},
		{[]string{"none"}, oauth2.AuthStyleInHeader},
	}
	for _, tt := range tests {
		if got := authStyle(tt.methods); got != tt.want {
			t.Errorf("authStyle(%q) = %v; want %v", tt.methods, got, tt.want)
		}
	}
}

// TestTokenError: only invalid_grant refuses the grant itself (RFC 6749
// section 5.2); any other 4xx is a refused request, and anything else a
// provider failure.
func TestTokenError(t *testing.T) {
	t.Parallel()
	answer := func(status int, code string) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: code}
	}
	tests := []struct {
		name           string
		err            error
		grant, refused bool // matches ErrGrant, ErrTokenRefused
	}{
		{"400 invalid_grant", answer(400, "invalid_grant"), true, true},
		{"400 invalid_request", answer(400, "invalid_request"), false, true},
		{"400 without a code", answer(400, ""), false, true},
		{"401 invalid_client", answer(401, "invalid_client"), false, true},
		{"429", answer(429, ""), false, true},
		{"500 server_error", answer(500, "server_error"), false, false},
		{"503 invalid_grant", answer(503, "invalid_grant"), false, false},
		{"no answer", errors.New("connection refused"), false, false},
	}
	for _, tt := range tests {
		err := tokenError("https://provider.example/token", tt.err)
		if errors.Is(err, ErrGrant) != tt.grant || errors.Is(err, ErrTokenRefused) != tt.refused || errors.Is(err, ErrProvider) == tt.refused {
			t.Errorf("tokenError(%s) = %v: ErrGrant %v, ErrTokenRefused %v, ErrProvider %v; want %v, %v, %v", tt.name, err,
				errors.Is(err, ErrGrant), errors.Is(err, ErrTokenRefused), errors.Is(err, ErrProvider), tt.grant, tt.refused, !tt.refused)
		}
	}
}

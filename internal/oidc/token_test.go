package oidc

import (
	"errors"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
)

// TestListedStyle: discovery settles the style when it lists exactly one
// of client_secret_basic and client_secret_post; with both or neither the
// style is learned.
func TestListedStyle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		methods []string
		want    authStyle
	}{
		{nil, styleUnknown},
		{[]string{}, styleUnknown},
		{[]string{"client_secret_basic"}, styleBasic},
		{[]string{"client_secret_post", "client_secret_basic"}, styleUnknown},
		{[]string{"client_secret_post"}, stylePost},
		{[]string{"private_key_jwt", "client_secret_post"}, stylePost},
		{[]string{"private_key_jwt", "client_secret_basic"}, styleBasic},
		{[]string{"private_key_jwt"}, styleUnknown},
		{[]string{"none"}, styleUnknown},
	}
	for _, tt := range tests {
		if got := listedStyle(tt.methods); got != tt.want {
			t.Errorf("listedStyle(%q) = %v; want %v", tt.methods, got, tt.want)
		}
	}
}

// TestRefusesClient: a fallback to client_secret_post follows only a
// refusal of the client's authentication, never invalid_grant, a 5xx or
// no answer.
func TestRefusesClient(t *testing.T) {
	t.Parallel()
	answer := func(status int, code string) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: code}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"401 invalid_client", answer(401, "invalid_client"), true},
		{"401 without a code", answer(401, ""), true},
		{"400 invalid_client", answer(400, "invalid_client"), true},
		{"400 unauthorized_client", answer(400, "unauthorized_client"), true},
		{"400 invalid_request (mockoidc)", answer(400, "invalid_request"), true},
		{"400 invalid_grant", answer(400, "invalid_grant"), false},
		{"401 invalid_grant", answer(401, "invalid_grant"), false},
		{"400 unsupported_grant_type", answer(400, "unsupported_grant_type"), false},
		{"400 without a code", answer(400, ""), false},
		{"429", answer(429, ""), false},
		{"500 invalid_client", answer(500, "invalid_client"), false},
		{"503", answer(503, "temporarily_unavailable"), false},
		{"no answer", errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		if got := refusesClient(tt.err); got != tt.want {
			t.Errorf("refusesClient(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// TestTokenError: only invalid_grant refuses the grant itself (RFC 6749
// section 5.2); invalid_client and unauthorized_client refuse the client;
// any other 4xx is a refused request, and anything else a provider
// failure.
func TestTokenError(t *testing.T) {
	t.Parallel()
	answer := func(status int, code string) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: code}
	}
	tests := []struct {
		name                   string
		err                    error
		grant, client, refused bool // matches ErrGrant, ErrClient, ErrTokenRefused
	}{
		{"400 invalid_grant", answer(400, "invalid_grant"), true, false, true},
		{"400 invalid_request", answer(400, "invalid_request"), false, false, true},
		{"400 without a code", answer(400, ""), false, false, true},
		{"401 invalid_client", answer(401, "invalid_client"), false, true, true},
		{"400 invalid_client", answer(400, "invalid_client"), false, true, true},
		{"400 unauthorized_client", answer(400, "unauthorized_client"), false, true, true},
		{"401 without a code", answer(401, ""), false, false, true},
		{"429", answer(429, ""), false, false, true},
		{"500 server_error", answer(500, "server_error"), false, false, false},
		{"500 invalid_client", answer(500, "invalid_client"), false, false, false},
		{"503 invalid_grant", answer(503, "invalid_grant"), false, false, false},
		{"no answer", errors.New("connection refused"), false, false, false},
	}
	for _, tt := range tests {
		err := tokenError("https://provider.example/token", tt.err)
		if errors.Is(err, ErrGrant) != tt.grant || errors.Is(err, ErrClient) != tt.client ||
			errors.Is(err, ErrTokenRefused) != tt.refused || errors.Is(err, ErrProvider) == tt.refused {
			t.Errorf("tokenError(%s) = %v: ErrGrant %v, ErrClient %v, ErrTokenRefused %v, ErrProvider %v; want %v, %v, %v, %v", tt.name, err,
				errors.Is(err, ErrGrant), errors.Is(err, ErrClient), errors.Is(err, ErrTokenRefused), errors.Is(err, ErrProvider),
				tt.grant, tt.client, tt.refused, !tt.refused)
		}
	}
}

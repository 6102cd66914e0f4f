package mock

import (
	"encoding/json"
	"net/http"
)

// oauthError is the error body of RFC 6749 section 5.2.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// faultStatus answers a switched-on status fault.
func faultStatus(w http.ResponseWriter, status int) {
	code := "server_error"
	if status == http.StatusServiceUnavailable {
		code = "temporarily_unavailable"
	}
	writeJSON(w, status, oauthError{Error: code, Description: "mock: fault switched on"})
}

// invalidRequest is the invalid_request error with description desc.
func invalidRequest(desc string) *oauthError {
	return &oauthError{Error: "invalid_request", Description: desc}
}

// invalidGrant is the invalid_grant error with description desc.
func invalidGrant(desc string) *oauthError {
	return &oauthError{Error: "invalid_grant", Description: desc}
}

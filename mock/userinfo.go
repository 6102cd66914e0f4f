package mock

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// userinfo answers the Hugging Face userinfo JSON for a Bearer access token.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	f := p.currentFaults()
	if f.UserinfoStatus != 0 {
		faultStatus(w, f.UserinfoStatus)
		return
	}
	auth := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hfmock"`)
		writeJSON(w, http.StatusUnauthorized, invalidRequest("a Bearer access token is required"))
		return
	}
	now := p.now()
	p.mu.Lock()
	at, ok := p.access[strings.TrimSpace(tok)]
	var u User
	var scopes []string
	if ok {
		if now.After(at.expires) {
			ok = false
		} else {
			u, scopes = p.currentUserLocked(at.user), at.scopes // the user as they are now
		}
	}
	p.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hfmock", error="invalid_token", error_description="The access token is invalid or expired"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_token", Description: "the access token is invalid or expired"})
		return
	}
	if !slices.Contains(scopes, "email") {
		u.Email, u.EmailVerified = "", nil
	}
	if f.UserinfoSub != "" {
		u.Sub = f.UserinfoSub
	}
	if f.UserinfoOmit == "" {
		writeJSON(w, http.StatusOK, u)
		return
	}
	b, err := json.Marshal(u)
	var m map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, oauthError{Error: "server_error"})
		return
	}
	for _, name := range strings.Fields(f.UserinfoOmit) {
		delete(m, name)
	}
	writeJSON(w, http.StatusOK, m)
}

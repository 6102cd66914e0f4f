package mock

import (
	"net/http"
	"time"
)

// revoke is the token revocation endpoint of RFC 7009: the client authenticates as at the
// token endpoint and names a token; an access token is revoked (userinfo then answers 401
// for it), a refresh token can no longer be used. token_type_hint is optional and only
// tells where to look first. A token the provider does not know (unknown, expired, already
// revoked) is answered 200 like a revoked one; a token issued to another client is refused
// with invalid_grant.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	f := p.currentFaults()
	if f.RevokeDelay > 0 {
		t := time.NewTimer(f.RevokeDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.RevokeStatus != 0 {
		faultStatus(w, f.RevokeStatus)
		return
	}
	client, form, ok := p.clientRequest(w, r)
	if !ok {
		return
	}
	tok := form.Get("token")
	if tok == "" {
		writeJSON(w, http.StatusBadRequest, invalidRequest("token is required"))
		return
	}
	p.mu.Lock()
	owner, found := "", false
	if at, ok := p.access[tok]; ok {
		owner, found = at.clientID, true
		if owner == client.ID {
			delete(p.access, tok)
		}
	} else if rt, ok := p.refresh[tok]; ok {
		owner, found = rt.clientID, true
		if owner == client.ID {
			delete(p.refresh, tok)
		}
	}
	p.mu.Unlock()
	if found && owner != client.ID {
		writeJSON(w, http.StatusBadRequest, invalidGrant("the token was issued to another client"))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

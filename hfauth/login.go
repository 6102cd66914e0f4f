package hfauth

// This file holds the login route: state, nonce and PKCE, the login cookie
// and the redirect to the provider.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// Query parameters of the routes.
const (
	paramTarget    = "_target_url"
	paramRedirects = "_nb_redirects"
	paramOrgIDs    = "orgIds"
	paramPrompt    = "prompt" // only prompt=consent is passed on
)

// loginTarget is where a login comes back to: _target_url when given,
// else the current path's query kept on "/", as the reference does (never
// a mock key).
func loginTarget(q url.Values) string {
	if t := q.Get(paramTarget); t != "" {
		return SanitizeTarget(t)
	}
	rest := url.Values{}
	for k, v := range q {
		if k != paramRedirects && k != paramOrgIDs && k != paramMockKey && k != paramPrompt && k != paramHandoffHost && k != paramHandoffBind {
			rest[k] = v
		}
	}
	if len(rest) == 0 {
		return "/"
	}
	return SanitizeTarget("/?" + rest.Encode())
}

// redirects reads the retry counter of the state-mismatch loop.
func redirects(q url.Values) int {
	n, err := strconv.Atoi(q.Get(paramRedirects))
	if err != nil || n < 0 {
		return 0
	}
	return min(n, maxRetries+maxBreakouts+1)
}

// login starts a sign-in: in real mode a new login cookie (state hash,
// nonce, PKCE verifier) and a redirect to the provider's authorize URL; in
// mock mode, once mockGate lets the request through, a redirect to the
// callback.
func (o *OAuth) login(w http.ResponseWriter, r *http.Request) reply {
	q := r.URL.Query()
	target := loginTarget(q)
	if o.cfg.mode == ModeMock {
		if rep, done := o.mockGate(w, r, LoginPath); done {
			return rep
		}
		return redirect(o.prefix + CallbackPath + "?" + paramTarget + "=" + url.QueryEscape(target))
	}
	if o.customHost(r.Host) { // the callback is on the Space's host: go on there
		return o.customLogin(w, r)
	}
	handoffHost, bind, ok := o.handoffAsked(q)
	if !ok {
		return o.fail(LoginPath, http.StatusBadRequest, "Sign-in could not start: the domain to come back to is not one of this Space's.", errHandoff)
	}
	callbackURL, ok := o.redirectURL(r)
	if !ok {
		return o.fail(LoginPath, http.StatusBadRequest, "Sign-in could not start: the request's Host header is not a valid host name.", errBadHost)
	}
	p, err := o.providerFor(r.Context())
	if err != nil {
		return o.fail(LoginPath, http.StatusServiceUnavailable, unavailable(err), err)
	}
	asked := o.askedOrgIDs(q)
	st := newState(redirects(q), target, asked)
	st.consent = wantsConsent(q)
	state := st.String()
	pend := pending{
		StateHash: stateHash(state),
		Nonce:     randomString(16),
		Verifier:  oauth2.GenerateVerifier(),
		Redirect:  callbackURL,
		Created:   o.cfg.Now().UnixNano(),
		Handoff:   handoffHost,
		Bind:      bind,
	}
	// The new login cookie takes one of the answer's Set-Cookie lines; the
	// pruning gets what is left after the lines already written (Auth may
	// have expired a bad session).
	o.prunePending(w, r, maxLoginSetCookies-1-len(w.Header()["Set-Cookie"]))
	store, err := o.logins.Sub(st.id)
	if err == nil {
		// The id is new, so the request has no stale cookie of it to expire.
		err = store.Save(w, nil, pend, o.cfg.Now().Add(loginTTL))
	}
	if err != nil {
		return o.fail(LoginPath, http.StatusInternalServerError, "Sign-in could not start.", err)
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(pend.Verifier),
		oauth2.SetAuthURLParam("nonce", pend.Nonce),
		oauth2.SetAuthURLParam("redirect_uri", pend.Redirect),
	}
	if ids := slices.Concat(o.cfg.OrgIDs, asked); len(ids) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam(paramOrgIDs, strings.Join(ids, ",")))
	}
	if st.consent {
		opts = append(opts, oauth2.SetAuthURLParam(paramPrompt, promptConsent))
	}
	return redirect(p.AuthCodeURL(state, opts...))
}

// askedOrgIDs reads the org ids asked for on the login URL: valid ones not
// already configured, as many as fit beside the configured ones. Only the
// first maxLoginOrgIDs entries of each value are looked at, and none are
// copied, so a value of a million commas costs nothing but its own bytes.
func (o *OAuth) askedOrgIDs(q url.Values) []string {
	var asked []string
	room := maxLoginOrgIDs - len(o.cfg.OrgIDs)
	for _, v := range q[paramOrgIDs] {
		n := 0
		for id := range strings.SplitSeq(v, ",") {
			if n++; n > maxLoginOrgIDs || len(asked) >= room {
				break
			}
			if validOrgID(id) && !slices.Contains(o.cfg.OrgIDs, id) && !slices.Contains(asked, id) {
				asked = append(asked, id)
			}
		}
	}
	return asked
}

// wantsConsent reports whether the login route's query asks for
// prompt=consent, the only prompt it passes on.
func wantsConsent(q url.Values) bool {
	return slices.Contains(q[paramPrompt], promptConsent)
}

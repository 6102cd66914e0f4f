package hfauth

// This file holds the client of the Hub's whoami-v2, which bearer tokens
// (bearer.go) and mock mode's HF_TOKEN profile (mockuser.go) use.

import (
	"context"
	"encoding/json"

	"github.com/echohf/echohf/internal/oidc"
)

// whoami is the part of /api/whoami-v2's answer that the mocked profile
// and bearer tokens use.
type whoami struct {
	Type          string // "user"; "org" or "app" for those tokens
	ID            string
	Name          string
	Fullname      string
	Email         *string
	EmailVerified *bool
	AvatarURL     string
	IsPro         bool
	CanPay        *bool
	Orgs          []whoamiOrg
}

// whoamiOrg is an organization in a whoami answer.
type whoamiOrg struct {
	ID, Name, Fullname, AvatarURL string
	IsEnterprise                  bool
	CanPay                        *bool
	RoleInOrg, Plan               *string
}

// getWhoami asks the Hub's whoami-v2 who owns token. Every failure is a
// *providerError for the step "whoami".
func (o *OAuth) getWhoami(ctx context.Context, token string) (whoami, error) {
	const step = "whoami"
	u := o.cfg.HFEndpoint + "/api/whoami-v2"
	body, err := oidc.GetBody(ctx, o.cfg.HTTPClient, step, u, token)
	if err != nil {
		return whoami{}, err
	}
	w, err := parseWhoami(body)
	if err != nil {
		return whoami{}, &providerError{Step: step, Host: oidc.HostOf(u), What: "sent a document that is not a JSON object", Kind: errProvider}
	}
	return w, nil
}

// parseWhoami reads a whoami-v2 answer as leniently as parseUserInfo reads
// userinfo: unknown fields are ignored, a field of the wrong type is
// dropped and an organization that is not an object is skipped. Only a
// document that is not a JSON object is an error.
func parseWhoami(raw []byte) (whoami, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return whoami{}, err
	}
	w := whoami{
		Type:          lax[string](m["type"]),
		ID:            lax[string](m["id"]),
		Name:          lax[string](m["name"]),
		Fullname:      lax[string](m["fullname"]),
		Email:         lax[*string](m["email"]),
		EmailVerified: lax[*bool](m["emailVerified"]),
		AvatarURL:     lax[string](m["avatarUrl"]),
		IsPro:         lax[bool](m["isPro"]),
		CanPay:        lax[*bool](m["canPay"]),
	}
	var orgs []json.RawMessage
	_ = json.Unmarshal(m["orgs"], &orgs) // absent or mistyped: no organizations
	for _, raw := range orgs {
		var om map[string]json.RawMessage
		if json.Unmarshal(raw, &om) != nil || om == nil {
			continue
		}
		w.Orgs = append(w.Orgs, whoamiOrg{
			ID:           lax[string](om["id"]),
			Name:         lax[string](om["name"]),
			Fullname:     lax[string](om["fullname"]),
			AvatarURL:    lax[string](om["avatarUrl"]),
			IsEnterprise: lax[bool](om["isEnterprise"]),
			CanPay:       lax[*bool](om["canPay"]),
			RoleInOrg:    lax[*string](om["roleInOrg"]),
			Plan:         lax[*string](om["plan"]),
		})
	}
	return w, nil
}

// isUser reports whether w names a user, as a user's token gets.
func (w whoami) isUser() bool {
	return (w.Type == "" || w.Type == "user") && w.ID != "" && w.Name != ""
}

func (w whoami) userInfo(endpoint string) OAuthUserInfo {
	u := OAuthUserInfo{
		Sub:               w.ID,
		Name:              w.Fullname,
		PreferredUsername: w.Name,
		Email:             w.Email,
		EmailVerified:     w.EmailVerified,
		Picture:           w.AvatarURL,
		Profile:           endpoint + "/" + w.Name,
		IsPro:             w.IsPro,
		CanPay:            w.CanPay,
		Orgs:              make([]OAuthOrgInfo, 0, len(w.Orgs)),
	}
	for _, org := range w.Orgs {
		u.Orgs = append(u.Orgs, OAuthOrgInfo{
			Sub:               org.ID,
			Name:              org.Fullname,
			PreferredUsername: org.Name,
			Picture:           org.AvatarURL,
			IsEnterprise:      org.IsEnterprise,
			CanPay:            org.CanPay,
			RoleInOrg:         org.RoleInOrg,
			Plan:              org.Plan,
		})
	}
	return u
}

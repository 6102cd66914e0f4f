package hfauth

import (
	"context"
	"encoding/json"
)

// Avatars of the default mock user and its organizations: SVG data URIs of
// each name's initial, so that pages showing them need no network. They are
// the pictures package mock draws for the same names.
const (
	avatarMockUser     = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCA2NCA2NCI+PHJlY3Qgd2lkdGg9IjY0IiBoZWlnaHQ9IjY0IiBmaWxsPSIjMTRiOGE2Ii8+PHRleHQgeD0iMzIiIHk9IjQzIiBmb250LWZhbWlseT0ic2Fucy1zZXJpZiIgZm9udC1zaXplPSIzMCIgdGV4dC1hbmNob3I9Im1pZGRsZSIgZmlsbD0iI2ZmZiI+TTwvdGV4dD48L3N2Zz4="
	avatarACMEResearch = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCA2NCA2NCI+PHJlY3Qgd2lkdGg9IjY0IiBoZWlnaHQ9IjY0IiBmaWxsPSIjOGI1Y2Y2Ii8+PHRleHQgeD0iMzIiIHk9IjQzIiBmb250LWZhbWlseT0ic2Fucy1zZXJpZiIgZm9udC1zaXplPSIzMCIgdGV4dC1hbmNob3I9Im1pZGRsZSIgZmlsbD0iI2ZmZiI+QTwvdGV4dD48L3N2Zz4="
	avatarOpenModels   = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCA2NCA2NCI+PHJlY3Qgd2lkdGg9IjY0IiBoZWlnaHQ9IjY0IiBmaWxsPSIjZWY0NDQ0Ii8+PHRleHQgeD0iMzIiIHk9IjQzIiBmb250LWZhbWlseT0ic2Fucy1zZXJpZiIgZm9udC1zaXplPSIzMCIgdGV4dC1hbmNob3I9Im1pZGRsZSIgZmlsbD0iI2ZmZiI+TzwvdGV4dD48L3N2Zz4="
	avatarReadingClub  = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCA2NCA2NCI+PHJlY3Qgd2lkdGg9IjY0IiBoZWlnaHQ9IjY0IiBmaWxsPSIjZWY0NDQ0Ii8+PHRleHQgeD0iMzIiIHk9IjQzIiBmb250LWZhbWlseT0ic2Fucy1zZXJpZiIgZm9udC1zaXplPSIzMCIgdGV4dC1hbmNob3I9Im1pZGRsZSIgZmlsbD0iI2ZmZiI+UjwvdGV4dD48L3N2Zz4="
)

// defaultMockUser is the profile mock mode signs in when HF_TOKEN gives
// none: "mockuser", with a verified email and three organizations of
// different roles and plans, one with security restrictions, MFA and SSO
// pending and a resource group. It lives here so that the library never
// links the test fake; a test keeps it equal to
// mock.DefaultUser, which tests sign in with against the mock provider.
func defaultMockUser() OAuthUserInfo {
	email, website := "mockuser@example.com", "https://example.com"
	yes, no := true, false
	admin, write, read := RoleAdmin, RoleWrite, RoleRead
	enterprise, team := "enterprise", "team"
	return OAuthUserInfo{
		Sub:               "f5ba2b88cc6eb0e90f5ed901",
		Name:              "Mock User",
		PreferredUsername: "mockuser",
		EmailVerified:     &yes,
		Email:             &email,
		Picture:           avatarMockUser,
		Profile:           "https://huggingface.co/mockuser",
		Website:           &website,
		CanPay:            &yes,
		Orgs: []OAuthOrgInfo{{
			Sub:                  "909bc5104b96a8d1e097cb94",
			Name:                 "ACME Research",
			PreferredUsername:    "acme-research",
			Picture:              avatarACMEResearch,
			IsEnterprise:         true,
			CanPay:               &yes,
			RoleInOrg:            &admin,
			Plan:                 &enterprise,
			SecurityRestrictions: []string{"mfa", "sso"},
			MissingMFA:           &yes,
			PendingSSO:           &yes,
			ResourceGroups:       []OAuthResourceGroup{{Sub: "279024ad56668c16b1ecca98", Name: "vision", Role: RoleWrite}},
		}, {
			Sub:               "3d620fd7ea8de38233d7f848",
			Name:              "Open Models",
			PreferredUsername: "open-models",
			Picture:           avatarOpenModels,
			IsEnterprise:      true,
			CanPay:            &no,
			RoleInOrg:         &write,
			Plan:              &team,
		}, {
			Sub:               "776ad117c4d0dc6370916e0e",
			Name:              "Reading Club",
			PreferredUsername: "reading-club",
			Picture:           avatarReadingClub,
			RoleInOrg:         &read,
		}},
	}
}

// mockUser is the mocked profile: the HF_TOKEN owner's, from whoami-v2,
// when a token is set and the call works; else defaultMockUser.
func (o *OAuth) mockUser(ctx context.Context) OAuthUserInfo {
	if o.cfg.HFToken != "" {
		ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
		defer cancel()
		who, err := o.getWhoami(ctx, o.cfg.HFToken)
		if err == nil && who.Name != "" {
			return who.userInfo(o.cfg.HFEndpoint)
		}
		o.whoamiWarn.Do(func() {
			msg := "unusable answer"
			if err != nil {
				msg = err.Error()
			}
			o.cfg.Logger.Warn("echohf: mock mode: whoami with HF_TOKEN failed, using the default mock user", "error", msg)
		})
	}
	return defaultMockUser()
}

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
	body, err := o.getBody(ctx, step, u, token)
	if err != nil {
		return whoami{}, err
	}
	w, err := parseWhoami(body)
	if err != nil {
		return whoami{}, &providerError{step: step, host: hostOf(u), what: "sent a document that is not a JSON object", kind: errProvider}
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

package hfauth

// This file holds the mocked user: the default profile, or the HF_TOKEN
// owner's.

import (
	"context"
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
		o.mock.whoamiWarn.Do(func() {
			msg := "unusable answer"
			if err != nil {
				msg = err.Error()
			}
			o.cfg.Logger.Warn("echohf: mock mode: whoami with HF_TOKEN failed, using the default mock user", "error", msg)
		})
	}
	return defaultMockUser()
}

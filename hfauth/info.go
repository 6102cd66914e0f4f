package hfauth

// This file holds OAuthInfo, OAuthUserInfo and the lenient userinfo parser.

import (
	"encoding/json"
	"time"
)

// OAuthInfo is a logged-in user's OAuth session: the counterpart of
// huggingface_hub's OAuthInfo. Values returned by Info are shared between
// requests carrying the same session cookie: treat them as read-only.
type OAuthInfo struct {
	// AccessToken is the Hugging Face access token (hf_oauth_…), in clear:
	// the current one, which a refresh replaces. It is never marshaled to
	// JSON, so an OAuthInfo can be sent to a browser as it is.
	AccessToken string `json:"-"`
	// AccessTokenExpiresAt is when AccessToken expires, to the millisecond
	// (rounded up). A session that holds a refresh token goes on after it
	// (its next request refreshes the token); any other ends then.
	AccessTokenExpiresAt time.Time `json:"access_token_expires_at"`
	// UserInfoCheckedAt is when UserInfo was last read from the provider:
	// at login, then at each refresh and revalidation (see
	// Config.RevalidateEvery). Zero for a session that does not say.
	UserInfoCheckedAt time.Time `json:"user_info_checked_at,omitzero"`
	// UserInfo is the user's profile and organizations.
	UserInfo OAuthUserInfo `json:"user_info"`
	// State identifies the login that created the session: the random id
	// (22 base64url characters) that starts its OAuth state. The rest of
	// the state (target, retries, org ids) is not kept. Empty for mock and
	// bearer logins.
	State string `json:"state,omitempty"`
	// Scope is the space-separated list of scopes the user granted.
	Scope string `json:"scope"`

	owner  *OAuth // the instance whose session this is, for LoginURL and the guards
	bearer bool   // from a bearer token, not a session cookie
}

// FromBearer reports whether the request was signed in by a bearer token
// (Config.AcceptBearer) rather than a session cookie. Such an OAuthInfo has
// the token as AccessToken and the profile whoami gives; AccessTokenExpiresAt
// is zero (the Hub does not say), and Scope and State are empty.
func (i *OAuthInfo) FromBearer() bool { return i != nil && i.bearer }

// OAuthUserInfo is a Hugging Face user as the userinfo endpoint describes
// them. Optional fields are pointers (or nil slices) so that "absent" is
// distinguishable from a zero value, and its JSON keeps that distinction: an
// absent field stays absent, a present one is written even when empty
// (a list the provider sent empty is written as []).
type OAuthUserInfo struct {
	// Sub is the user's stable id.
	Sub string `json:"sub"`
	// Name is the user's full name.
	Name string `json:"name"`
	// PreferredUsername is the user's handle on the Hub.
	PreferredUsername string `json:"preferred_username"`
	// EmailVerified tells whether Email is verified; nil without the email scope.
	EmailVerified *bool `json:"email_verified,omitempty"`
	// Email is the user's email; nil without the email scope.
	Email *string `json:"email,omitempty"`
	// Picture is the URL of the user's avatar.
	Picture string `json:"picture"`
	// Profile is the URL of the user's profile page.
	Profile string `json:"profile"`
	// Website is the user's website, when they set one.
	Website *string `json:"website,omitempty"`
	// IsPro tells whether the user has a PRO subscription.
	IsPro bool `json:"isPro"`
	// CanPay tells whether the user has a payment method; nil when unknown.
	CanPay *bool `json:"canPay,omitempty"`
	// Orgs are the organizations the user belongs to; nil when unknown,
	// empty when the provider sent an empty list.
	Orgs []OAuthOrgInfo `json:"orgs,omitzero"`
}

// Org returns the user's organization named nameOrID, or nil when the user
// is not a member. An organization id (24 hexadecimal digits, the shape of
// Hugging Face's ids) is matched against Sub only and anything else against
// the handle (PreferredUsername) only, so that nobody can pass for an
// organization by naming their own after its id.
func (u *OAuthUserInfo) Org(nameOrID string) *OAuthOrgInfo {
	if nameOrID == "" {
		return nil
	}
	byID := isObjectID(nameOrID)
	for i := range u.Orgs {
		if byID && u.Orgs[i].Sub == nameOrID || !byID && u.Orgs[i].PreferredUsername == nameOrID {
			return &u.Orgs[i]
		}
	}
	return nil
}

// isObjectID reports whether s has the shape of a Hugging Face id.
func isObjectID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// OAuthOrgInfo is an organization a user belongs to.
type OAuthOrgInfo struct {
	// Sub is the organization's stable id.
	Sub string `json:"sub"`
	// Name is the organization's full name.
	Name string `json:"name"`
	// PreferredUsername is the organization's handle on the Hub.
	PreferredUsername string `json:"preferred_username"`
	// Picture is the URL of the organization's avatar.
	Picture string `json:"picture"`
	// IsEnterprise tells whether the organization has an Enterprise plan.
	IsEnterprise bool `json:"isEnterprise"`
	// CanPay tells whether the organization has a payment method; nil when unknown.
	CanPay *bool `json:"canPay,omitempty"`
	// RoleInOrg is the user's role: "read", "contributor", "write" or "admin"; nil when unknown.
	RoleInOrg *string `json:"roleInOrg,omitempty"`
	// Plan is the organization's plan; nil when unknown.
	Plan *string `json:"plan,omitempty"`
	// SecurityRestrictions lists the organization's restrictions the
	// session does not satisfy ("ip", "token-policy", "mfa", "sso"); nil
	// when the provider did not send the list, empty when it sent [].
	SecurityRestrictions []string `json:"securityRestrictions,omitzero"`
	// MissingMFA tells whether the user must turn on two-factor
	// authentication before the organization lets them in; nil when unknown.
	MissingMFA *bool `json:"missingMFA,omitempty"`
	// PendingSSO tells whether the user must sign in again through the
	// organization's single sign-on; nil when unknown.
	PendingSSO *bool `json:"pendingSSO,omitempty"`
	// ResourceGroups are the organization's resource groups (an Enterprise
	// feature) the user belongs to, with their role in each; nil when the
	// provider did not send the list, empty when it sent [].
	ResourceGroups []OAuthResourceGroup `json:"resourceGroups,omitzero"`
}

// OAuthResourceGroup is a resource group of an organization: a set of its
// repositories with its own member roles.
type OAuthResourceGroup struct {
	// Sub is the resource group's stable id.
	Sub string `json:"sub"`
	// Name is the resource group's name.
	Name string `json:"name"`
	// Role is the user's role in the group: "read", "contributor", "write"
	// or "admin"; "" when unknown.
	Role string `json:"role"`
}

// parseUserInfo reads a userinfo document leniently: unknown fields are
// ignored and a field of the wrong type is dropped, so that nothing the
// provider adds or changes fails a login. Only a document that is not a JSON
// object is an error.
func parseUserInfo(raw []byte) (OAuthUserInfo, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return OAuthUserInfo{}, err
	}
	u := OAuthUserInfo{
		Sub:               lax[string](m["sub"]),
		Name:              lax[string](m["name"]),
		PreferredUsername: lax[string](m["preferred_username"]),
		EmailVerified:     lax[*bool](m["email_verified"]),
		Email:             lax[*string](m["email"]),
		Picture:           lax[string](m["picture"]),
		Profile:           lax[string](m["profile"]),
		Website:           lax[*string](m["website"]),
		IsPro:             lax[bool](m["isPro"]),
		CanPay:            lax[*bool](m["canPay"]),
	}
	var orgs []json.RawMessage
	if json.Unmarshal(m["orgs"], &orgs) == nil && orgs != nil { // absent or null stays nil; [] stays empty
		u.Orgs = make([]OAuthOrgInfo, 0, len(orgs))
		for _, o := range orgs {
			var om map[string]json.RawMessage
			if json.Unmarshal(o, &om) != nil || om == nil { // not an object (a number, a string, null)
				continue
			}
			u.Orgs = append(u.Orgs, OAuthOrgInfo{
				Sub:                  lax[string](om["sub"]),
				Name:                 lax[string](om["name"]),
				PreferredUsername:    lax[string](om["preferred_username"]),
				Picture:              lax[string](om["picture"]),
				IsEnterprise:         lax[bool](om["isEnterprise"]),
				CanPay:               lax[*bool](om["canPay"]),
				RoleInOrg:            lax[*string](om["roleInOrg"]),
				Plan:                 lax[*string](om["plan"]),
				SecurityRestrictions: laxStrings(om["securityRestrictions"]),
				MissingMFA:           lax[*bool](om["missingMFA"]),
				PendingSSO:           lax[*bool](om["pendingSSO"]),
				ResourceGroups:       laxResourceGroups(om["resourceGroups"]),
			})
		}
	}
	return u, nil
}

// laxResourceGroups decodes raw as a list of resource groups, skipping
// items that are not objects and dropping mistyped fields. A missing, null
// or mistyped list gives nil; [] gives an empty, non-nil list.
func laxResourceGroups(raw json.RawMessage) []OAuthResourceGroup {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || list == nil {
		return nil
	}
	out := make([]OAuthResourceGroup, 0, len(list))
	for _, item := range list {
		var m map[string]json.RawMessage
		if json.Unmarshal(item, &m) != nil || m == nil {
			continue
		}
		out = append(out, OAuthResourceGroup{
			Sub:  lax[string](m["sub"]),
			Name: lax[string](m["name"]),
			Role: lax[string](m["role"]),
		})
	}
	return out
}

// lax decodes raw as a T; a missing, null or mistyped field gives T's zero
// value (an empty string, false, a nil pointer).
func lax[T any](raw json.RawMessage) T {
	var v T
	if json.Unmarshal(raw, &v) != nil {
		var zero T
		return zero
	}
	return v
}

// laxStrings decodes raw as a list of strings, dropping items that are not
// strings. A missing, null or mistyped list gives nil; [] gives an empty,
// non-nil list, so that JSON output keeps it.
func laxStrings(raw json.RawMessage) []string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || list == nil {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		var s string
		if json.Unmarshal(item, &s) == nil {
			out = append(out, s)
		}
	}
	return out
}

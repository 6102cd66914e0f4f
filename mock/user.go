package mock

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// Org is an organization as Hugging Face's userinfo returns it (JSON tags are HF's wire names).
type Org struct {
	Sub                  string   `json:"sub"`
	Name                 string   `json:"name"`
	PreferredUsername    string   `json:"preferred_username"`
	Picture              string   `json:"picture"`
	IsEnterprise         bool     `json:"isEnterprise"`
	CanPay               *bool    `json:"canPay,omitempty"`
	RoleInOrg            string   `json:"roleInOrg,omitempty"`           // "read", "contributor", "write", "admin"
	Plan                 string   `json:"plan,omitempty"`                // e.g. "team", "enterprise", "plus"
	SecurityRestrictions []string `json:"securityRestrictions,omitzero"` // "ip", "token-policy", "mfa", "sso"; nil is left out, empty is sent as []
	MissingMFA           *bool    `json:"missingMFA,omitempty"`          // the user must turn on two-factor authentication for this org
	PendingSSO           *bool    `json:"pendingSSO,omitempty"`          // the user must sign in again through the org's SSO
	// ResourceGroups are the org's resource groups the user belongs to (an Enterprise feature);
	// nil is left out, empty is sent as [].
	ResourceGroups []ResourceGroup `json:"resourceGroups,omitzero"`
}

// ResourceGroup is a resource group of an organization and the user's role in it.
type ResourceGroup struct {
	Sub  string `json:"sub"`
	Name string `json:"name"`
	Role string `json:"role"` // "read", "contributor", "write", "admin"
}

// User is a Hugging Face account as the userinfo endpoint returns it.
type User struct {
	Sub               string `json:"sub"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	Profile           string `json:"profile"`
	Picture           string `json:"picture"`
	Website           string `json:"website,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
	IsPro             bool   `json:"isPro"`
	CanPay            *bool  `json:"canPay,omitempty"`
	Orgs              []Org  `json:"orgs,omitzero"` // nil is left out, empty is sent as []
}

// DefaultUser returns the mocked profile, a fresh copy on each call: "mockuser", with a verified
// email and three organizations of different roles and plans, one of which (an Enterprise
// organization) has security restrictions, MFA and SSO pending, and a resource group. echohf's
// mock mode, which runs with no provider, signs in the same profile (its own copy).
func DefaultUser() User {
	u := NewUser("mockuser")
	u.Name = "Mock User"
	u.Website = "https://example.com"
	u.Email = "mockuser@example.com"
	u.EmailVerified = ptr(true)
	u.CanPay = ptr(true)
	u.Orgs = []Org{
		NewOrg("acme-research"),
		NewOrg("open-models"),
		NewOrg("reading-club"),
	}
	u.Orgs[0].Name = "ACME Research"
	u.Orgs[0].IsEnterprise = true
	u.Orgs[0].CanPay = ptr(true)
	u.Orgs[0].RoleInOrg = "admin"
	u.Orgs[0].Plan = "enterprise"
	u.Orgs[0].SecurityRestrictions = []string{"mfa", "sso"}
	u.Orgs[0].MissingMFA = ptr(true)
	u.Orgs[0].PendingSSO = ptr(true)
	u.Orgs[0].ResourceGroups = []ResourceGroup{{Sub: objectID("rg:acme-research/vision"), Name: "vision", Role: "write"}}
	u.Orgs[1].Name = "Open Models"
	u.Orgs[1].IsEnterprise = true
	u.Orgs[1].CanPay = ptr(false)
	u.Orgs[1].RoleInOrg = "write"
	u.Orgs[1].Plan = "team"
	u.Orgs[2].Name = "Reading Club"
	u.Orgs[2].RoleInOrg = "read"
	return u
}

// NewUser returns a plain user named username: sub derived from the name, a profile URL on
// huggingface.co, an avatar that needs no network (an SVG data URI of the name's initial), no
// email, no orgs.
func NewUser(username string) User {
	return User{
		Sub:               objectID("user:" + username),
		Name:              username,
		PreferredUsername: username,
		Profile:           "https://huggingface.co/" + username,
		Picture:           avatar(username),
	}
}

// NewOrg returns an organization named name with role "read": sub derived from the name,
// picture that needs no network (as NewUser's), no plan.
func NewOrg(name string) Org {
	return Org{
		Sub:               objectID("org:" + name),
		Name:              name,
		PreferredUsername: name,
		Picture:           avatar(name),
		RoleInOrg:         "read",
	}
}

// objectID derives a stable 24-hex-digit id, the shape of Hugging Face's subs.
func objectID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(h[:12])
}

func ptr[T any](v T) *T { return &v }

// clone returns a deep copy of u (no shared pointers or slices).
func (u User) clone() User {
	if u.EmailVerified != nil {
		u.EmailVerified = ptr(*u.EmailVerified)
	}
	if u.CanPay != nil {
		u.CanPay = ptr(*u.CanPay)
	}
	if u.Orgs != nil {
		orgs := make([]Org, len(u.Orgs))
		for i, o := range u.Orgs {
			if o.CanPay != nil {
				o.CanPay = ptr(*o.CanPay)
			}
			o.SecurityRestrictions = slices.Clone(o.SecurityRestrictions)
			if o.MissingMFA != nil {
				o.MissingMFA = ptr(*o.MissingMFA)
			}
			if o.PendingSSO != nil {
				o.PendingSSO = ptr(*o.PendingSSO)
			}
			o.ResourceGroups = slices.Clone(o.ResourceGroups)
			orgs[i] = o
		}
		u.Orgs = orgs
	}
	return u
}

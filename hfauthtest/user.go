package hfauthtest

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/echohf/echohf/hfauth"
)

// User returns a Hugging Face user named name who belongs to orgs, shaped
// as a login gives it: Sub derived from the name (the id package mock's
// NewUser gives the same name), Name and PreferredUsername name, Profile
// https://huggingface.co/name, no email, no picture. Without orgs the
// user belongs to none (an empty list, not an unknown one). Set other
// fields on the result.
func User(name string, orgs ...hfauth.OAuthOrgInfo) hfauth.OAuthUserInfo {
	return hfauth.OAuthUserInfo{
		Sub:               objectID("user:" + name),
		Name:              name,
		PreferredUsername: name,
		Profile:           "https://huggingface.co/" + name,
		Orgs:              append([]hfauth.OAuthOrgInfo{}, orgs...),
	}
}

// Org returns an organization named name, in which the user has role
// (hfauth.RoleRead, RoleContributor, RoleWrite or RoleAdmin; "" leaves it
// unknown) and whose restrictions the session does not meet ("ip",
// "token-policy", "mfa", "sso"; none given leaves the list unknown). Sub is
// derived from the name, as package mock's NewOrg derives it.
func Org(name, role string, restrictions ...string) hfauth.OAuthOrgInfo {
	org := hfauth.OAuthOrgInfo{
		Sub:               objectID("org:" + name),
		Name:              name,
		PreferredUsername: name,
	}
	if role != "" {
		org.RoleInOrg = &role
	}
	if len(restrictions) > 0 {
		org.SecurityRestrictions = append([]string(nil), restrictions...)
	}
	return org
}

// objectID derives a stable 24-hex-digit id, the shape of Hugging Face's
// ids, as package mock does.
func objectID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(h[:12])
}

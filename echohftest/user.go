package echohftest

import (
	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/hfauthtest"
)

// User returns a Hugging Face user named name who belongs to orgs, shaped
// as a login gives it: Sub derived from the name (the id package mock's
// NewUser gives the same name), Name and PreferredUsername name, Profile
// https://huggingface.co/name, no email, no picture. Without orgs the
// user belongs to none (an empty list, not an unknown one). Set other
// fields on the result. It is hfauthtest.User.
func User(name string, orgs ...echohf.OAuthOrgInfo) echohf.OAuthUserInfo {
	return hfauthtest.User(name, orgs...)
}

// Org returns an organization named name, in which the user has role
// (echohf.RoleRead, RoleContributor, RoleWrite or RoleAdmin; "" leaves it
// unknown) and whose restrictions the session does not meet ("ip",
// "token-policy", "mfa", "sso"; none given leaves the list unknown). Sub is
// derived from the name, as package mock's NewOrg derives it. It is
// hfauthtest.Org.
func Org(name, role string, restrictions ...string) echohf.OAuthOrgInfo {
	return hfauthtest.Org(name, role, restrictions...)
}

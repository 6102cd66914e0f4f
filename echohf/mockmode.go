package echohf

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// mockAllowed reports whether mock login may answer r, unless
// InsecureMockAllowRemote widens it: only a request from a loopback address,
// addressed to a loopback host name (a DNS-rebinding page gets its own name
// in Host), and carrying no header a proxy adds. A proxy on the same host
// that adds none passes this check: mockGate's key is what stops it.
func (o *OAuth) mockAllowed(r *http.Request) bool {
	if o.cfg.InsecureMockAllowRemote {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !isLoopback(host) || !isLoopback(r.Host) {
		return false
	}
	for name := range r.Header {
		if forwardingHeader(name) {
			return false
		}
	}
	return true
}

// isLoopback reports whether host (a Host header or a RemoteAddr, with or
// without a port) names this machine.
func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// forwardingHeader reports whether the header named name is one a proxy
// adds: X-Forwarded-*, X-Real-IP, CF-Connecting-IP, True-Client-IP,
// Forwarded, Via and the like.
func forwardingHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "forwarded", "via", "x-real-ip", "cf-connecting-ip", "true-client-ip",
		"x-client-ip", "x-cluster-client-ip", "fastly-client-ip", "x-original-forwarded-for":
		return true
	}
	return strings.HasPrefix(n, "x-forwarded")
}

// mockCallback mints a session for the mocked user, as the reference's
// mock mode does, with no provider involved.
func (o *OAuth) mockCallback(c echo.Context) error {
	if done, err := o.mockGate(c, CallbackPath); done {
		return err
	}
	req := c.Request()
	user := o.mockUser(req.Context())
	token := "hf_oauth_mock_" + randomString(16)
	if o.cfg.MockCarryHFToken && o.cfg.HFToken != "" {
		token = o.cfg.HFToken
	}
	info := &OAuthInfo{
		AccessToken:          token,
		AccessTokenExpiresAt: o.cfg.Now().Add(defaultTokenLifetime),
		UserInfo:             user,
		Scope:                "openid profile",
	}
	if err := o.saveSession(c.Response(), req, info); err != nil {
		return o.fail(c, http.StatusInternalServerError, "Mock sign-in failed: the session could not be stored.", err)
	}
	return c.Redirect(http.StatusFound, SanitizeTarget(c.QueryParam(paramTarget)))
}

// mockUser is the mocked profile: the HF_TOKEN owner's, from whoami-v2,
// when a token is set and the call works; else mock.DefaultUser.
func (o *OAuth) mockUser(ctx context.Context) OAuthUserInfo {
	if o.cfg.HFToken != "" {
		ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
		defer cancel()
		var who whoami
		err := o.getJSON(ctx, "whoami", o.cfg.HFEndpoint+"/api/whoami-v2", o.cfg.HFToken, &who)
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
	raw, _ := json.Marshal(mock.DefaultUser())
	u, _ := parseUserInfo(raw)
	return u
}

// whoami is the part of /api/whoami-v2's answer the mocked profile uses.
type whoami struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Fullname      string  `json:"fullname"`
	Email         *string `json:"email"`
	EmailVerified *bool   `json:"emailVerified"`
	AvatarURL     string  `json:"avatarUrl"`
	IsPro         bool    `json:"isPro"`
	CanPay        *bool   `json:"canPay"`
	Orgs          []struct {
		ID           string  `json:"id"`
		Name         string  `json:"name"`
		Fullname     string  `json:"fullname"`
		AvatarURL    string  `json:"avatarUrl"`
		IsEnterprise bool    `json:"isEnterprise"`
		CanPay       *bool   `json:"canPay"`
		RoleInOrg    *string `json:"roleInOrg"`
		Plan         *string `json:"plan"`
	} `json:"orgs"`
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

package echohf

import (
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/labstack/echo/v4/middleware"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/internal/fields"
)

// Config configures an OAuth instance: its routes and its Auth middleware.
// It is hfauth.Config with Echo's Skipper: each field but Skipper is
// documented on hfauth.Config's field of the same name (defaults, the
// environment variable FromEnv reads). New uses a Config as given; only
// FromEnv, NewFromEnv, Default, Attach and Auth read the environment.
type Config struct {
	// Skipper skips the Auth middleware for some requests.
	// Optional. Default middleware.DefaultSkipper.
	Skipper middleware.Skipper

	Mode         Mode   // See hfauth.Config.Mode.
	DisallowMock bool   // See hfauth.Config.DisallowMock.
	Prefix       string // See hfauth.Config.Prefix.

	SpaceID      string   // See hfauth.Config.SpaceID.
	SpaceHost    string   // See hfauth.Config.SpaceHost.
	ClientID     string   // See hfauth.Config.ClientID.
	ClientSecret string   // See hfauth.Config.ClientSecret.
	Scopes       []string // See hfauth.Config.Scopes.
	ProviderURL  string   // See hfauth.Config.ProviderURL.
	RedirectURL  string   // See hfauth.Config.RedirectURL.
	OrgIDs       []string // See hfauth.Config.OrgIDs.

	SessionSecret     string        // See hfauth.Config.SessionSecret.
	OldSessionSecrets []string      // See hfauth.Config.OldSessionSecrets.
	CookieName        string        // See hfauth.Config.CookieName.
	InsecureCookie    bool          // See hfauth.Config.InsecureCookie.
	PartitionedCookie bool          // See hfauth.Config.PartitionedCookie.
	SessionMaxAge     time.Duration // See hfauth.Config.SessionMaxAge.
	SessionCacheSize  int           // See hfauth.Config.SessionCacheSize.
	RefreshBefore     time.Duration // See hfauth.Config.RefreshBefore.
	RevalidateEvery   time.Duration // See hfauth.Config.RevalidateEvery.
	MaxPendingLogins  int           // See hfauth.Config.MaxPendingLogins.
	Leeway            time.Duration // See hfauth.Config.Leeway.

	HTTPClient          *http.Client  // See hfauth.Config.HTTPClient.
	Timeout             time.Duration // See hfauth.Config.Timeout.
	JWKSRefreshInterval time.Duration // See hfauth.Config.JWKSRefreshInterval.

	AcceptBearer            bool // See hfauth.Config.AcceptBearer.
	AcceptBearerOAuthTokens bool // See hfauth.Config.AcceptBearerOAuthTokens.

	HFToken                 string // See hfauth.Config.HFToken.
	HFEndpoint              string // See hfauth.Config.HFEndpoint.
	MockCarryHFToken        bool   // See hfauth.Config.MockCarryHFToken.
	InsecureMockAllowRemote bool   // See hfauth.Config.InsecureMockAllowRemote.

	RevocationFeed    hfauth.RevocationFeed // See hfauth.Config.RevocationFeed.
	RevocationFeedURL string                // See hfauth.Config.RevocationFeedURL.

	Logger *slog.Logger     // See hfauth.Config.Logger.
	Now    func() time.Time // See hfauth.Config.Now.
}

// FromEnv returns c with every empty field that has an environment variable
// (see the Env constants) filled from it; see hfauth.Config.FromEnv. Its
// error matches ErrConfig.
func (c Config) FromEnv() (Config, error) {
	hc, err := c.core().FromEnv()
	out := Config{Skipper: c.Skipper}
	mustCopy(&out, hc)
	return out, err
}

// core returns c as an hfauth.Config, without the Skipper, which Auth
// applies itself.
func (c Config) core() hfauth.Config {
	var hc hfauth.Config
	mustCopy(&hc, c)
	return hc
}

// mustCopy sets each field of *dst but Skipper to src's field of the same
// name. The two Config types list the same fields (a test checks it), so
// an error is a programming mistake.
func mustCopy(dst, src any) {
	if err := fields.Copy(reflect.ValueOf(dst).Elem(), reflect.ValueOf(src), "Skipper"); err != nil {
		panic(err)
	}
}

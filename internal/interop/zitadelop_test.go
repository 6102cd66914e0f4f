package interop

// This file starts zitadel/oidc's example OP (example/server/exampleop on
// its in-memory example/server/storage) in-process, with a thin storage
// wrapper that can shorten its access tokens and records what the OP
// issued and revoked, and drives its login form as a browser does.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/echohf/echohf/hfauth"
)

// grant is an access token (by its id at the OP) and the refresh token
// issued with it.
type grant struct {
	accessID, refresh string
	refreshed         bool // issued by a refresh grant, not a code exchange
}

// shortStorage is the example storage with shorter access tokens: the
// storage keeps its own 5 minutes, but the OP announces (expires_in) the
// lifetime returned here, which is all a client goes by. It records every
// token pair issued and every token the OP was asked to revoke.
type shortStorage struct {
	*storage.Storage
	accessTTL time.Duration // 0 keeps the storage's 5 minutes

	mu      sync.Mutex
	issued  []grant
	revoked []string // token ids (access) or tokens (refresh), as the OP passes them
}

func (s *shortStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, exp, err := s.Storage.CreateAccessToken(ctx, req)
	if err == nil {
		s.mu.Lock()
		s.issued = append(s.issued, grant{accessID: id})
		s.mu.Unlock()
	}
	return id, s.shorten(exp), err
}

func (s *shortStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	id, refresh, exp, err := s.Storage.CreateAccessAndRefreshTokens(ctx, req, current)
	if err == nil {
		s.mu.Lock()
		s.issued = append(s.issued, grant{accessID: id, refresh: refresh, refreshed: current != ""})
		s.mu.Unlock()
	}
	return id, refresh, s.shorten(exp), err
}

func (s *shortStorage) RevokeToken(ctx context.Context, token, userID, clientID string) *oidc.Error {
	s.mu.Lock()
	s.revoked = append(s.revoked, token)
	s.mu.Unlock()
	return s.Storage.RevokeToken(ctx, token, userID, clientID)
}

func (s *shortStorage) shorten(exp time.Time) time.Time {
	if s.accessTTL > 0 {
		return time.Now().Add(s.accessTTL)
	}
	return exp
}

// grants returns the token pairs issued so far, oldest first.
func (s *shortStorage) grants() []grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]grant(nil), s.issued...)
}

// refreshes counts the refresh grants the OP answered.
func (s *shortStorage) refreshes() int {
	n := 0
	for _, g := range s.grants() {
		if g.refreshed {
			n++
		}
	}
	return n
}

// wasRevoked reports whether the OP was asked to revoke token.
func (s *shortStorage) wasRevoked(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.revoked {
		if r == token {
			return true
		}
	}
	return false
}

// accessLive reports whether the OP's storage still holds the access
// token with this id, as its userinfo endpoint checks.
func (s *shortStorage) accessLive(id, subject string) bool {
	return s.SetUserinfoFromToken(context.Background(), new(oidc.UserInfo), id, subject, "") == nil
}

// refreshLive reports whether the OP's storage still takes this refresh token.
func (s *shortStorage) refreshLive(token string) bool {
	_, err := s.TokenRequestByRefreshToken(context.Background(), token)
	return err == nil
}

// zitadelOP is the example OP on an httptest server, with one web client.
type zitadelOP struct {
	*httptest.Server
	store            *shortStorage
	user             *storage.User // the example's first user, who signs in
	clientID, secret string

	mu   sync.Mutex
	hits []string // "METHOD /path status" of every request, in order
}

// startZitadel starts the OP with a client (storage.WebClient, which
// authenticates with client_secret_basic) allowed to redirect to redirect.
//
// The zitadel tests do not run in parallel: this version of the OP sets its
// custom endpoints on a package-level value (op.DefaultEndpoints) that every
// OP shares, so creating one while another serves is a data race.
func startZitadel(t *testing.T, accessTTL time.Duration, redirect string) *zitadelOP {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	users := storage.NewUserStore(issuer)
	secret := make([]byte, 24)
	_, _ = rand.Read(secret)
	z := &zitadelOP{Server: srv, user: users.GetUserByID("id1"), clientID: "echohf-web", secret: hex.EncodeToString(secret)}
	// A client map of this OP's own (NewStorage would share the package's).
	clients := map[string]*storage.Client{z.clientID: storage.WebClient(z.clientID, z.secret, redirect)}
	z.store = &shortStorage{Storage: storage.NewStorageWithClients(users, clients), accessTTL: accessTTL}
	// The OP logs every request it serves: warnings and worse only.
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	router := exampleop.SetupServer(issuer, z.store, quiet, false)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		router.ServeHTTP(rec, r)
		z.mu.Lock()
		z.hits = append(z.hits, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rec.status))
		z.mu.Unlock()
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return z
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// count counts the requests the OP answered as "METHOD /path status".
func (z *zitadelOP) count(hit string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	n := 0
	for _, h := range z.hits {
		if h == hit {
			n++
		}
	}
	return n
}

// config is a replica's Config for the OP, with the callback at redirect.
func (z *zitadelOP) config(redirect string, scopes ...string) hfauth.Config {
	return hfauth.Config{
		Mode:          hfauth.ModeReal,
		ProviderURL:   z.URL,
		ClientID:      z.clientID,
		ClientSecret:  z.secret,
		Scopes:        append([]string{"openid", "profile", "email"}, scopes...),
		RedirectURL:   redirect,
		SessionSecret: sessionSecret,
	}
}

// formID finds the auth request id in the OP's login form.
var formID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn starts a sign-in on start, fills in the OP's login form as the
// example user and follows the redirects back to the app's /page.
func (z *zitadelOP) signIn(t *testing.T, b *browser, start *replica) {
	t.Helper()
	status, body, last := b.get(t, start.URL+hfauth.LoginPath+"?_target_url=/page")
	m := formID.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("login ended at %s with %d and no login form: %.300q", last, status, body)
	}
	form := url.Values{"id": {m[1]}, "username": {z.user.Username}, "password": {z.user.Password}}
	status, body, last = b.post(t, z.URL+"/login/username", form)
	if status != http.StatusOK || body != "page" {
		t.Fatalf("the login form's answer ended at %s with %d %.300q; want 200 page (trail %v)", last, status, body, b.trail())
	}
}

// signedIn fails t unless w is the example user, signed in.
func (z *zitadelOP) signedIn(t *testing.T, where string, w whoami) {
	t.Helper()
	u := z.user
	if !w.LoggedIn || w.Sub != u.ID || w.Username != u.Username || w.Name != u.FirstName+" "+u.LastName || w.Email != u.Email {
		t.Fatalf("%s: %+v; want %s signed in", where, w, u.Username)
	}
}

// lastGrant is the newest token pair the OP issued.
func (z *zitadelOP) lastGrant(t *testing.T) grant {
	t.Helper()
	g := z.store.grants()
	if len(g) == 0 {
		t.Fatal("the OP issued no token")
	}
	return g[len(g)-1]
}

// secrets lists what no log may hold: the client secret and every
// refresh token the OP issued.
func (z *zitadelOP) secrets() []string {
	s := []string{z.secret}
	for _, g := range z.store.grants() {
		s = append(s, g.refresh)
	}
	return s
}

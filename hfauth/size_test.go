package hfauth

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/jwtstore"
	"github.com/echohf/echohf/mock"
)

// hubWords make up realistic organization handles and names.
var hubWords = strings.Fields(`acme research lab labs open models vision audio speech neural systems
	institute university ai ml data science robotics language foundation collective community studio
	tech health bio quantum deep learning nlp llm genomics climate earth ocean space robot agents
	compute cloud edge mobile finance legal medical clinic pharma chem materials physics math
	stanford berkeley oxford cambridge eth mila inria tsinghua kaist tokyo seoul paris berlin
	nordic alpine pacific atlantic sunrise aurora nova orbit pixel vector tensor matrix kernel
	gradient latent diffusion transformer graph signal sound music voice text code search retrieval
	safety alignment eval bench arena hub forge works group network initiative project center`)

// hubWord returns a word of an organization's name: a common one, or one
// made up like a brand (half the time), so that names vary as on the Hub.
func hubWord(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return hubWords[r.IntN(len(hubWords))]
	}
	const (
		onsets = "b c d f g h k l m n p r s t v z br cr dr fl gr kr pl st tr th sh ch qu x"
		nuclei = "a e i o u ai ea io ou y"
	)
	on, nu := strings.Fields(onsets), strings.Fields(nuclei)
	var b strings.Builder
	for range 2 + r.IntN(2) {
		b.WriteString(on[r.IntN(len(on))])
		b.WriteString(nu[r.IntN(len(nu))])
	}
	if r.IntN(2) == 0 {
		b.WriteString([]string{"x", "n", "s", "r", "l", "m", "t"}[r.IntN(7)])
	}
	return b.String()
}

// realisticUser returns a Hugging Face user with orgs organizations that
// look like the Hub's: random 24-hex ids, varied handles and full names,
// CDN or default avatars, roles, plans and a few security restrictions.
func realisticUser(r *rand.Rand, orgs int) mock.User {
	hex := func(n int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = digits[r.IntN(16)]
		}
		return string(b)
	}
	picture := func() string {
		if r.IntN(5) == 0 {
			return "https://huggingface.co/avatars/" + hex(32) + ".svg"
		}
		ext := []string{".png", ".png", ".jpeg", ".jpg"}[r.IntN(4)]
		ms := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() + r.Int64N(5*365*24*3600*1000)
		return fmt.Sprintf("https://cdn-avatars.huggingface.co/v1/production/uploads/%d-%s%s", ms, hex(24), ext)
	}
	u := mock.NewUser("ada-lovelace")
	u.Sub, u.Name, u.Picture = hex(24), "Ada Lovelace", picture()
	u.Email, u.Website = "ada.lovelace@example.org", "https://ada.example.org"
	yes, no := true, false
	u.EmailVerified, u.CanPay, u.IsPro = &yes, &no, true
	u.Orgs = []mock.Org{}
	for range orgs {
		var words []string
		for n := 1 + r.IntN(3); len(words) < n; {
			words = append(words, hubWord(r))
		}
		name := make([]string, len(words))
		for i, w := range words {
			name[i] = strings.ToUpper(w[:1]) + w[1:]
			if len(w) <= 3 {
				name[i] = strings.ToUpper(w)
			}
		}
		handle := strings.Join(words, []string{"-", "-", "", "_"}[r.IntN(4)])
		switch r.IntN(8) {
		case 0: // a handle in the name's capitals, like EleutherAI
			handle = strings.Join(name, "")
		case 1: // a full name of its own, like "AI at Meta"
			name = append([]string{"The"}, name...)
			name = append(name, []string{"Institute", "Lab", "Team", "Project", "Foundation"}[r.IntN(5)])
		case 2:
			handle += fmt.Sprint(r.IntN(100))
		}
		for len(handle) < 6 {
			handle += fmt.Sprint(r.IntN(10))
		}
		handle = handle[:min(len(handle), 25)]
		o := mock.NewOrg(handle)
		o.Sub, o.Name, o.Picture = hex(24), strings.Join(name, " "), picture()
		o.RoleInOrg = []string{"read", "contributor", "write", "admin"}[r.IntN(4)]
		switch r.IntN(6) {
		case 0:
			o.Plan, o.IsEnterprise, o.CanPay = "enterprise", true, &yes
			if r.IntN(2) == 0 {
				o.SecurityRestrictions = []string{"mfa", "sso"}[:1+r.IntN(2)]
			}
		case 1:
			o.Plan, o.CanPay = "team", &yes
		case 2:
			o.CanPay = &no
		}
		u.Orgs = append(u.Orgs, o)
	}
	return u
}

// seeded returns a generator of test data that repeats run after run.
func seeded(a, b uint64) *rand.Rand {
	return rand.New(rand.NewPCG(a, b)) //nolint:gosec // G404: reproducible test data, not secrets
}

// userInfoOf is u as the callback reads it from the userinfo endpoint.
func userInfoOf(tb testing.TB, u mock.User) OAuthUserInfo {
	tb.Helper()
	raw, err := json.Marshal(u)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := parseUserInfo(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return info
}

// base62 returns n random letters and digits, the alphabet of Hugging
// Face's tokens.
func base62(r *rand.Rand, n int) string {
	const a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[r.IntN(len(a))]
	}
	return string(b)
}

// realisticSession returns the session of a realistic user with orgs
// organizations (seeded, so sizes repeat), sealed by o, holding a sealed
// refresh token of Hugging Face's shape and the times a refreshable
// session keeps.
func realisticSession(tb testing.TB, o *OAuth, seed uint64, orgs int) *session {
	tb.Helper()
	r := seeded(seed, 0x5e55)
	u := userInfoOf(tb, realisticUser(r, orgs))
	token, err := o.sealer.Seal([]byte("hf_oauth_" + base62(r, 34)))
	if err != nil {
		tb.Fatal(err)
	}
	refresh, err := o.refreshSealer.Seal([]byte("hf_oauth_refresh_" + base62(r, 36)))
	if err != nil {
		tb.Fatal(err)
	}
	now := o.cfg.Now()
	return &session{
		Token:   token,
		Refresh: refresh,
		Expires: now.Add(8 * time.Hour).Unix(),
		Issued:  now.Unix(),
		Checked: now.Unix(),
		Scope:   "openid profile email read-repos",
		State:   newState(0, "/spaces/ada-lovelace/demo?tab=files", nil).id,
		User:    u,
	}
}

// cookieHeader is the Cookie header a browser sends back for the cookies
// that rec sets.
func cookieHeader(rec *httptest.ResponseRecorder) string {
	var parts []string
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// TestSessionCookieSize: in a Space (Secure, SameSite=None, Partitioned,
// __Host- cookies), a realistic session with a sealed refresh token is one
// cookie with 3 organizations, and with 100 it fits in the 8 KB of Cookie
// header that nginx accepts by default. The session reads back unchanged.
func TestSessionCookieSize(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.RedirectURL = "https://ada-lovelace-demo.hf.space" + CallbackPath
	cfg.PartitionedCookie = true
	cfg.Now = stoppedClock().Now
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)

	tests := []struct {
		orgs      int
		cookies   int // at most
		setCookie int // at most, per Set-Cookie line
		header    int // at most, the Cookie header
	}{
		{3, 1, jwtstore.CookieLimit, jwtstore.CookieLimit},
		{100, 3, jwtstore.CookieLimit, 8192},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d orgs", tt.orgs), func(t *testing.T) {
			for seed := range uint64(5) {
				s := realisticSession(t, o, seed, tt.orgs)
				rec := httptest.NewRecorder()
				if err := o.sessions.Save(rec, nil, s, time.Unix(s.Expires, 0)); err != nil {
					t.Fatal(err)
				}
				lines := rec.Header().Values("Set-Cookie")
				longest := 0
				for _, l := range lines {
					longest = max(longest, len(l))
				}
				hdr := cookieHeader(rec)
				raw, _ := json.Marshal(s)
				t.Logf("seed %d: session JSON %d bytes, %d cookie(s), longest Set-Cookie %d bytes, Cookie header %d bytes",
					seed, len(raw), len(lines), longest, len(hdr))
				if len(lines) > tt.cookies || longest > tt.setCookie || len(hdr) > tt.header {
					t.Errorf("seed %d: %d cookies, longest Set-Cookie %d, Cookie header %d; want at most %d, %d, %d",
						seed, len(lines), longest, len(hdr), tt.cookies, tt.setCookie, tt.header)
				}
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("Cookie", hdr)
				got, err := o.sessions.Load(req)
				if err != nil || got.Refresh == "" || !sameSession(got, s) {
					t.Fatalf("seed %d: Load = %v; the session does not read back unchanged", seed, err)
				}
			}
		})
	}
}

// TestLargeSessionLogin: a user of 100 realistic organizations signs in
// through real HTTP in a Space-like https app, the browser sends back at
// most 8 KB of Cookie header, and Info has every organization unchanged.
// With 3 organizations the session is one cookie.
func TestLargeSessionLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		orgs    int
		seed    uint64
		cookies int // at most
		header  int // at most
	}{
		{3, 3, 1, jwtstore.CookieLimit},
		{100, 100, 3, 8192},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d orgs", tt.orgs), func(t *testing.T) {
			t.Parallel()
			user := realisticUser(seeded(tt.seed, 7), tt.orgs)
			prov := mock.NewServer(t, mock.Config{Users: []mock.User{user}})
			ln, addr := listen(t)
			prov.AddClient(mock.Client{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: []string{"https://" + addr + CallbackPath}})
			cfg := realConfig(prov)
			cfg.RedirectURL = "https://" + addr + CallbackPath
			cfg.PartitionedCookie = true
			a := serveApp(t, cfg, serveOpts{ln: ln, tls: true})
			b := newBrowser(t)
			b.Transport = a.Client().Transport
			w := b.mustLogin(t, a)

			names := b.cookieNames(t, a.URL)
			var parts []string
			for _, n := range names {
				parts = append(parts, n+"="+b.cookie(t, a.URL, n))
			}
			hdr := strings.Join(parts, "; ")
			t.Logf("%d orgs: cookies %v, Cookie header %d bytes", tt.orgs, names, len(hdr))
			if len(names) > tt.cookies || len(hdr) > tt.header || !hasPrefixAny(names, a.oauth.sessions.Name()) {
				t.Errorf("cookies %v, Cookie header %d bytes; want at most %d session cookies and %d bytes", names, len(hdr), tt.cookies, tt.header)
			}
			if want := userInfoOf(t, user); !reflect.DeepEqual(w.Info.UserInfo, want) {
				t.Errorf("Info.UserInfo after login differs from the provider's user:\n got %+v\nwant %+v", w.Info.UserInfo, want)
			}
			if !strings.HasPrefix(w.Token, "hf_oauth_") || w.Info.State == "" {
				t.Errorf("token %q… state %q", w.Token[:min(len(w.Token), 9)], w.Info.State)
			}
		})
	}
}

// TestSessionKeepsStateID: the session keeps only the id of the login's
// OAuth state, so whoever crafts a login link (its target, its org ids)
// cannot make the victim's session cookie, sent on every request, any
// larger: a login coming back to a 1 KiB target with 16 org ids gives a
// session cookie of the same size as a plain one.
func TestSessionKeepsStateID(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	// One time for both logins: the session's times (their milliseconds
	// among them, omitted when zero) would otherwise change its length by
	// a few bytes from one login to the next.
	cfg.Now = stoppedClock().Now
	a := newApp(t, cfg)
	orgs := make([]string, maxLoginOrgIDs)
	for i := range orgs {
		orgs[i] = randomString(48) // 64 characters, the longest org id
	}
	long := "/page?x=" + randomString(1500)[:maxStateTarget-len("/page?x=")]
	login := func(query string) (value string, info *OAuthInfo) {
		t.Helper()
		b := newBrowser(t)
		if status, body := b.get(t, a.URL+LoginPath+"?"+query); status != http.StatusOK || body != "page" {
			t.Fatalf("login ?%.40s… = %d %q; want 200 page; logs:\n%s", query, status, body, a.logs)
		}
		return b.cookie(t, a.URL, a.oauth.sessions.Name()), b.whoami(t, a.URL).Info
	}
	plain, plainInfo := login("_target_url=/page")
	crafted, craftedInfo := login("_target_url=" + url.QueryEscape(long) + "&orgIds=" + strings.Join(orgs, ","))
	if len(plain) == 0 || len(crafted) != len(plain) {
		t.Errorf("session cookie of %d bytes after a crafted login; %d after a plain one", len(crafted), len(plain))
	}
	for _, info := range []*OAuthInfo{plainInfo, craftedInfo} {
		if id, err := base64.RawURLEncoding.Strict().DecodeString(info.State); err != nil || len(id) != 16 {
			t.Errorf("Info.State = %.40q…; want the state's id, 16 random bytes in base64url", info.State)
		}
	}
	if plainInfo.State == craftedInfo.State {
		t.Error("two logins share a state id")
	}
}

package hfauth

import (
	"math"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/jwtstore"
	"github.com/echohf/echohf/mock"
)

// forgedHeaderSize is the Cookie header the forged-cookie tests send: just
// under net/http's default limit of 1 MiB for all the request's headers.
const forgedHeaderSize = 1_000_000

// forgedLoginCookies returns a Cookie header of n forged login cookies of
// the login store named name (name+"_"+id, ids that Sub accepts), their
// values padded with spaces so that the header is about size bytes.
func forgedLoginCookies(name string, n, size int) string {
	room := size/n - len(name) - 1 - stateIDLen - len("=; ")
	pad := strings.Repeat(" ", max(room-1, 0)/2)
	var b strings.Builder
	b.Grow(size)
	for i := range n {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name + "_" + randomString(16) + "=" + pad + "x" + pad)
	}
	return b.String()
}

// TestLoginForgedCookies: a login carrying thousands of forged login
// cookies costs about what one carrying a few does, answers a bounded
// number of Set-Cookie lines, and still starts the login.
func TestLoginForgedCookies(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.SpaceHost = "forged.hf.space" // Secure cookies: __Host-hf_login_<id>
	a := newApp(t, cfg)
	name := a.oauth.logins.Name()
	login := func(t *testing.T, cookie string) fetched {
		t.Helper()
		f := fetch(t, plainClient(t), a.URL+LoginPath, "Cookie", cookie)
		if f.StatusCode != http.StatusFound {
			t.Fatalf("login = %d %s; want 302; logs:\n%s", f.StatusCode, f.body, a.logs)
		}
		return f
	}
	login(t, "") // discovery, once
	big := forgedLoginCookies(name, 3000, forgedHeaderSize)
	if len(big) > forgedHeaderSize {
		t.Fatalf("forged header of %d bytes; want at most %d", len(big), forgedHeaderSize)
	}
	session := a.oauth.sessions.Name()
	var sessionChunks []string
	for i := range jwtstore.MaxChunks {
		sessionChunks = append(sessionChunks, session+"."+strconv.Itoa(i)+"=x")
	}
	// Fewer than 3,000 cookies in all: past that, Go 1.26's Request.Cookies
	// returns none, which would hide the old behavior from this test.
	var chunks []string
	for range 90 {
		id := randomString(16)
		for i := range jwtstore.MaxChunks {
			chunks = append(chunks, name+"_"+id+"."+strconv.Itoa(i)+"=x")
		}
	}
	forgedChunks := strings.Join(chunks, "; ")
	tests := []struct {
		name   string
		cookie string
		lines  int // at most
	}{
		{"3000 forged", big, maxLoginSetCookies},
		{"30 forged", forgedLoginCookies(name, 30, forgedHeaderSize/100), maxLoginSetCookies},
		{"3000 forged chunks", strings.ReplaceAll(big, "=", ".0="), maxLoginSetCookies},
		{"90 forged, each in 32 chunks", forgedChunks, maxLoginSetCookies},
		// Auth first expires the forged session's chunks (1+MaxChunks lines at
		// most); the login then adds its own cookie and nothing else.
		{"forged session chunks too", strings.Join(sessionChunks, "; ") + "; " + forgedLoginCookies(name, 300, forgedHeaderSize/10), 1 + jwtstore.MaxChunks + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			f := login(t, tt.cookie)
			if d := time.Since(start); d > time.Second {
				t.Errorf("login took %v; want well under a second", d)
			}
			lines := f.Header.Values("Set-Cookie")
			if len(lines) > tt.lines {
				t.Errorf("%d Set-Cookie lines (%d bytes); want at most %d", len(lines), len(strings.Join(lines, "")), tt.lines)
			}
			live := 0
			for _, ck := range f.Cookies() {
				if ck.MaxAge > 0 {
					live++
					if !strings.HasPrefix(ck.Name, name+"_") || strings.Contains(ck.Name, ".") {
						t.Errorf("live cookie %s; want the new login's single cookie", ck.Name)
					}
				}
			}
			if live != 1 {
				t.Errorf("%d live cookies set; want the new login's one", live)
			}
		})
	}
	// Work counted as allocations: 100 times the forged cookies cost about
	// the same, so the work does not grow with what the request sends.
	allocs := func(cookie string) float64 {
		return testing.AllocsPerRun(5, func() { login(t, cookie) })
	}
	few, many := allocs(tests[1].cookie), allocs(big)
	if many > few+300 {
		t.Errorf("a login with 3000 forged cookies makes %.0f allocations, with 30: %.0f; want about the same", many, few)
	}
}

// TestForgedCookiesKeepTheCap: beside forged login cookies, a browser's
// genuine pending logins still count: the oldest is expired first, before
// any forged one, so the cap holds, and the others are kept.
func TestForgedCookiesKeepTheCap(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.MaxPendingLogins = 3
	a := newApp(t, cfg)
	name := a.oauth.logins.Name()
	var genuine []string // name=value, oldest first
	for range cfg.MaxPendingLogins {
		f := fetch(t, plainClient(t), a.URL+LoginPath)
		for _, ck := range f.Cookies() {
			if strings.HasPrefix(ck.Name, name+"_") && ck.MaxAge > 0 {
				genuine = append(genuine, ck.Name+"="+ck.Value)
			}
		}
	}
	if len(genuine) != cfg.MaxPendingLogins {
		t.Fatalf("%d login cookies after %d logins", len(genuine), cfg.MaxPendingLogins)
	}
	// A browser sends its older cookies first; the forged ones follow, each
	// in 32 chunks, more than a login's answer may expire.
	cookie := strings.Join(genuine, "; ")
	for range 90 { // under the 3,000 cookies of Go's Request.Cookies
		id := randomString(16)
		for i := range jwtstore.MaxChunks {
			cookie += "; " + name + "_" + id + "." + strconv.Itoa(i) + "=x"
		}
	}
	f := fetch(t, plainClient(t), a.URL+LoginPath, "Cookie", cookie)
	if f.StatusCode != http.StatusFound {
		t.Fatalf("login = %d", f.StatusCode)
	}
	if n := len(f.Header.Values("Set-Cookie")); n > maxLoginSetCookies {
		t.Errorf("%d Set-Cookie lines; want at most %d", n, maxLoginSetCookies)
	}
	for i, c := range genuine {
		n, _, _ := strings.Cut(c, "=")
		if want := i == 0; f.expired(n) != want {
			t.Errorf("genuine login %d (oldest first) expired = %v; want %v", i, f.expired(n), want)
		}
	}
}

// TestForgedChunkCookies: chunk cookies of the session that no Store
// writes (index MaxChunks and above) are not the app's, so Auth does not
// answer one expiring line per forged name: any request gets at most one
// line per cookie the store can write.
func TestForgedChunkCookies(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	name := a.oauth.sessions.Name()
	forged := func(from, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = name + "." + strconv.Itoa(from+i) + "="
		}
		return strings.Join(parts, "; ")
	}
	ours := forged(0, jwtstore.MaxChunks)
	tests := []struct {
		name   string
		cookie string
		want   int // Set-Cookie lines
	}{
		{"36000 out of range", forged(100000, 36000), 0},
		{"every index", forged(0, 36000), 1 + jwtstore.MaxChunks},
		{"ours and out of range", ours + "; " + forged(jwtstore.MaxChunks, 30000), 1 + jwtstore.MaxChunks},
		{"out of range beside a session", name + "=" + sessionValue(t, a) + "; " + forged(100000, 30000), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.cookie) > forgedHeaderSize {
				t.Fatalf("forged header of %d bytes; want at most %d", len(tt.cookie), forgedHeaderSize)
			}
			for _, path := range []string{"/page", "/whoami", LogoutPath} {
				f := fetch(t, plainClient(t), a.URL+path, "Cookie", tt.cookie)
				if f.StatusCode >= 500 {
					t.Fatalf("GET %s = %d %s", path, f.StatusCode, f.body)
				}
				lines := f.Header.Values("Set-Cookie")
				want := tt.want
				if path == LogoutPath {
					want = max(want, 1) // logout expires the session cookie even when absent
				}
				if len(lines) != want {
					t.Errorf("GET %s: %d Set-Cookie lines (%d bytes); want %d", path, len(lines), len(strings.Join(lines, "")), want)
				}
			}
		})
	}
}

// TestLoginHost: without a configured redirect URL or Space host, the
// callback URL comes from the request's Host, which must be a host[:port]
// of bounded length: anything else is a 400, never a 5xx, and the login
// cookie stays one small cookie.
func TestLoginHost(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	long := randomHost(maxHostLen) // labels of 63, 255 in all
	tests := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1", true},
		{"127.0.0.1:8080", true},
		{"localhost:65535", true},
		{"[::1]:7860", true},
		{"[::1]", true},
		{"my-app.example", true},
		{"my_app:8080", true}, // a Compose service name
		{"example.com.", true},
		{long, true},
		{long + ":1234", true},
		{long + "a", false},
		{randomHost(40 << 10), false},
		{randomHost(10 << 10), false},
		{"a..b", false},
		{".a", false},
		{"-a.example", false},
		{"a-.example", false},
		{"exa'mple.com", false},
		{"a;b", false},
		{"a=b", false},
		{"a%2f", false},
		{"example.com:", false},
		{"example.com:65536", false},
		{"example.com:99999999", false},
		{"example.com:http", false},
		{"example.com:80:80", false},
		{"::1", false},
		{"[::1", false},
		{"[::1]x", false},
		{"[example.com]", false},
		{"[::1]:", false},
		{strings.Repeat("a", 64) + ".example", false},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.host[:min(len(tt.host), 40)]), func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, a.URL+LoginPath, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tt.host
			res, err := plainClient(t).Do(req)
			if err != nil {
				t.Fatalf("GET login with Host %.40q: %v", tt.host, err)
			}
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Fatalf("login with Host %.40q = %d; want no 5xx", tt.host, res.StatusCode)
			}
			if !tt.ok {
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("login with Host %.40q = %d; want 400", tt.host, res.StatusCode)
				}
				if n := len(res.Header.Values("Set-Cookie")); n != 0 {
					t.Errorf("refused login set %d cookies", n)
				}
				return
			}
			if res.StatusCode != http.StatusFound {
				t.Fatalf("login with Host %.40q = %d; want 302; logs:\n%s", tt.host, res.StatusCode, a.logs)
			}
			loc, _ := res.Location()
			if got, want := loc.Query().Get("redirect_uri"), "http://"+tt.host+CallbackPath; got != want {
				t.Errorf("redirect_uri = %.60q; want %.60q", got, want)
			}
			lines := res.Header.Values("Set-Cookie")
			if len(lines) != 1 || len(lines[0]) > 1024 || strings.HasPrefix(lines[0], a.oauth.logins.Name()+".") {
				t.Errorf("login cookies: %d lines, first %d bytes; want one cookie under 1 KB", len(lines), len(lines[0]))
			}
		})
	}
}

// randomHost returns a host name of n characters: random labels of 63
// lowercase letters and digits (incompressible), dot-separated.
func randomHost(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		label := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(randomString(64)))
		b.WriteString(label[:min(63, len(label))])
	}
	return strings.TrimSuffix(b.String()[:n], ".")
}

// TestValidHost covers what no Go client sends (it drops an IPv6 zone).
func TestValidHost(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"example.com", true},
		{"[2001:db8::1]:443", true},
		{"[fe80::1%25eth0]", false},
		{"[fe80::1%eth0]:80", false},
		{"[127.0.0.1]", false},
		{"[::ffff:127.0.0.1]", true},
		{"", false},
		{":80", false},
		{".", false},
		{"a.", true},
		{"a..", false},
		{"a b", false},
		{"a/b", false},
		{"a@b", false},
		{"a\x00b", false},
		{"é.example", false},
		{"example.com:0", true},
		{"example.com:00080", true},
		{"example.com:+80", false},
	}
	for _, tt := range tests {
		if got := validHost(tt.in); got != tt.want {
			t.Errorf("validHost(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// TestLoginLongestInputs: the longest target and org ids a login takes go
// through the whole flow (into the state and back) without a 5xx: nothing
// a client sends makes a cookie too large to store.
func TestLoginLongestInputs(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	target := "/page?x=" + randomString(1500)[:maxStateTarget-len("/page?x=")]
	orgs := make([]string, maxLoginOrgIDs)
	for i := range orgs {
		orgs[i] = randomString(48) // 64 characters, the longest org id
	}
	b := newBrowser(t)
	status, body := b.get(t, a.URL+LoginPath+"?_target_url="+url.QueryEscape(target)+"&orgIds="+strings.Join(orgs, ","))
	if status != http.StatusOK || body != "page" {
		t.Fatalf("login = %d %q; want 200 page; logs:\n%s", status, body, a.logs)
	}
	w := b.whoami(t, a.URL)
	if !w.LoggedIn {
		t.Fatal("not logged in")
	}
	if len(w.Info.State) != stateIDLen {
		t.Errorf("session state %.40q…; want the state's id alone", w.Info.State)
	}
}

// TestOrgIDListsSplitBounded: a login's orgIds and a callback's state are
// split into at most maxLoginOrgIDs+1 pieces, so a request of 900 KB of
// commas costs no more memory than its own size (splitting on every comma
// made a 14 MB slice of empty strings). Not parallel: it reads the
// process's allocation counter, and keeps the least of a few runs so that
// another goroutine's allocations cannot fail it.
func TestOrgIDListsSplitBounded(t *testing.T) {
	o := &OAuth{}
	commas := strings.Repeat(",", 900_000)
	q := url.Values{paramOrgIDs: {commas, "a,b," + commas}}
	state := strings.Repeat("A", stateIDLen) + ".0.Lw." + commas
	for _, tt := range []struct {
		name string
		run  func()
	}{
		{"login orgIds", func() {
			if got := o.askedOrgIDs(q); len(got) != 2 {
				t.Errorf("askedOrgIDs = %q; want the valid ids a and b", got)
			}
		}},
		{"callback state", func() {
			if _, ok := parseState(state); ok {
				t.Error("parseState accepted a state of 900,000 commas")
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			least := uint64(math.MaxUint64)
			for range 3 {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				tt.run()
				runtime.ReadMemStats(&after)
				least = min(least, after.TotalAlloc-before.TotalAlloc)
			}
			if least > 64<<10 {
				t.Errorf("%d commas allocated %d KB; want at most 64 KB (at most %d ids are kept)", len(commas), least>>10, maxLoginOrgIDs)
			}
		})
	}
}

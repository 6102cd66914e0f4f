package jwtstore

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestOptionsRoundTrip(t *testing.T) {
	type check func(t *testing.T, c *http.Cookie, line string)
	tests := []struct {
		name  string
		mut   func(*Options)
		cname string
		check check
	}{
		{"defaults", nil, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Path != "/" || c.Domain != "" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Partitioned {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"path", func(o *Options) { o.Path = "/app" }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Path != "/app" {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"domain", func(o *Options) { o.Domain = "example.com" }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Domain != "example.com" {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"insecure", func(o *Options) { o.Insecure = true }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Secure || !c.HttpOnly {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"strict", func(o *Options) { o.SameSite = http.SameSiteStrictMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"none", func(o *Options) { o.SameSite = http.SameSiteNoneMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.SameSite != http.SameSiteNoneMode || !c.Secure {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"default mode", func(o *Options) { o.SameSite = http.SameSiteDefaultMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if strings.Contains(line, "SameSite") {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"partitioned", func(o *Options) { o.Partitioned = true; o.SameSite = http.SameSiteNoneMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if !c.Partitioned || !strings.Contains(line, "; Partitioned") {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"host prefix", func(o *Options) { o.HostPrefix = true }, "__Host-session", func(t *testing.T, c *http.Cookie, line string) {
			if !c.Secure || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"max age", func(o *Options) { o.MaxAge = time.Hour }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.MaxAge != 3600 || !c.Expires.Equal(t0.Add(time.Hour)) {
				t.Errorf("cookie = %q", line)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, tt.mut)
			if s.Name() != tt.cname {
				t.Errorf("Name() = %q; want %q", s.Name(), tt.cname)
			}
			want := testClaims{User: "ada"}
			rec := save(t, s, nil, want, t0.Add(24*time.Hour))
			lines := rec.Result().Header.Values("Set-Cookie")
			cs := rec.Result().Cookies()
			if len(lines) != 1 || len(cs) != 1 || cs[0].Name != tt.cname {
				t.Fatalf("Set-Cookie = %q", lines)
			}
			tt.check(t, cs[0], lines[0])
			got, err := s.Load(requestWith(cookieHeader(rec)))
			if err != nil || got != want {
				t.Fatalf("Load = %+v, %v", got, err)
			}
			_, exp, _ := s.load(requestWith(cookieHeader(rec)))
			if limit := t0.Add(s.o.MaxAge); exp.After(limit) {
				t.Errorf("expiry %v after now+MaxAge %v", exp, limit)
			}
			// Clear keeps the attributes.
			clr := httptest.NewRecorder()
			s.Clear(clr, nil)
			cc := clr.Result().Cookies()
			if len(cc) != 1 || cc[0].MaxAge != -1 || cc[0].Name != tt.cname || cc[0].Path != cs[0].Path ||
				cc[0].Domain != cs[0].Domain || cc[0].Secure != cs[0].Secure || cc[0].SameSite != cs[0].SameSite ||
				cc[0].Partitioned != cs[0].Partitioned || !cc[0].HttpOnly {
				t.Errorf("Clear = %q", clr.Result().Header.Values("Set-Cookie"))
			}
		})
	}
}

func TestMaxAgeClamp(t *testing.T) {
	s := newTestStore(t, func(o *Options) { o.MaxAge = 2 * time.Hour })
	for _, tt := range []struct {
		in, want time.Time
	}{
		{t0.Add(time.Hour), t0.Add(time.Hour)},
		{t0.Add(5 * time.Hour), t0.Add(2 * time.Hour)},
		{time.Time{}, t0.Add(2 * time.Hour)},
		{t0.Add(90*time.Minute + 500*time.Millisecond), t0.Add(90 * time.Minute)},
	} {
		rec := save(t, s, nil, testClaims{User: "a"}, tt.in)
		_, exp, err := s.load(requestWith(cookieHeader(rec)))
		if err != nil || !exp.Equal(tt.want) {
			t.Errorf("Save(exp %v): expiry %v, %v; want %v", tt.in, exp, err, tt.want)
		}
		if c := rec.Result().Cookies()[0]; c.MaxAge != int(tt.want.Sub(t0)/time.Second) {
			t.Errorf("Save(exp %v): Max-Age %d", tt.in, c.MaxAge)
		}
	}
	for _, past := range []time.Time{t0, t0.Add(-time.Hour), t0.Add(999 * time.Millisecond)} {
		rec := httptest.NewRecorder()
		if err := s.Save(rec, nil, testClaims{}, past); err == nil || len(rec.Result().Cookies()) != 0 {
			t.Errorf("Save(exp %v) = %v, %d cookies; want error and none", past, err, len(rec.Result().Cookies()))
		}
	}
}

func TestNewRefuses(t *testing.T) {
	// want is a part of the error that names the option at fault. Some of New's checks
	// refuse what http.Cookie.Valid (run by checkLayout) would refuse anyway, for a
	// clearer message; want fails the case if such a check is dropped.
	tests := []struct {
		name string
		mut  func(*Options)
		want string
	}{
		{"no keys", func(o *Options) { o.Keys = nil }, "Keys"},
		{"empty secret", func(o *Options) { o.Keys = []Key{{ID: "a"}} }, "key 0"},
		{"empty old secret", func(o *Options) { o.Keys = append(o.Keys, Key{ID: "b"}) }, "key 1"},
		{"duplicate ids", func(o *Options) { o.Keys = []Key{{ID: "a", Secret: secretA}, {ID: "a", Secret: secretB}} }, "keys 0 and 1"},
		{"duplicate derived ids", func(o *Options) { o.Keys = []Key{{Secret: secretA}, {Secret: secretA}} }, "keys 0 and 1"},
		{"bad id", func(o *Options) { o.Keys = []Key{{ID: "a b", Secret: secretA}} }, "key 0: id"},
		{"long id", func(o *Options) { o.Keys = []Key{{ID: strings.Repeat("a", 65), Secret: secretA}} }, "key 0: id"},
		{"empty name", func(o *Options) { o.Name = "" }, "Options.Name"},
		{"bad name", func(o *Options) { o.Name = "ses sion" }, "Options.Name"},
		{"name with ;", func(o *Options) { o.Name = "a;b" }, "Options.Name"},
		{"name with =", func(o *Options) { o.Name = "a=b" }, "Options.Name"},
		{"name with prefix", func(o *Options) { o.Name = "__Host-session" }, "Options.Name"},
		{"__Secure- insecure", func(o *Options) { o.Name = "__Secure-s"; o.Insecure = true }, "Options.Name"},
		{"empty purpose", func(o *Options) { o.Purpose = "" }, "Options.Purpose"},
		{"bad purpose", func(o *Options) { o.Purpose = "a b" }, "Options.Purpose"},
		{"SameSite None insecure", func(o *Options) { o.SameSite = http.SameSiteNoneMode; o.Insecure = true }, "SameSite=None"},
		{"SameSite unknown", func(o *Options) { o.SameSite = 9 }, "Options.SameSite"},
		{"Partitioned insecure", func(o *Options) { o.Partitioned = true; o.Insecure = true }, "Partitioned"},
		{"HostPrefix insecure", func(o *Options) { o.HostPrefix = true; o.Insecure = true }, "HostPrefix"},
		{"HostPrefix domain", func(o *Options) { o.HostPrefix = true; o.Domain = "example.com" }, "HostPrefix"},
		{"HostPrefix path", func(o *Options) { o.HostPrefix = true; o.Path = "/app" }, "HostPrefix"},
		{"bad path", func(o *Options) { o.Path = "/a;b" }, "Options.Path"},
		{"relative path", func(o *Options) { o.Path = "a" }, "Options.Path"},
		{"bad domain", func(o *Options) { o.Domain = "exa mple.com" }, "Domain"},
		{"negative leeway", func(o *Options) { o.Leeway = -time.Second }, "Options.Leeway"},
		{"negative max age", func(o *Options) { o.MaxAge = -time.Second }, "Options.MaxAge"},
		{"max age under a second", func(o *Options) { o.MaxAge = 500 * time.Millisecond }, "Options.MaxAge"},
		{"negative max size", func(o *Options) { o.MaxSize = -1 }, "Options.MaxSize"},
		{"huge max size", func(o *Options) { o.MaxSize = 1 << 20 }, "Options.MaxSize"},
		{"negative cache", func(o *Options) { o.CacheSize = -1 }, "Options.CacheSize"},
		{"huge cache", func(o *Options) { o.CacheSize = maxCacheSize + 1 }, "Options.CacheSize"},
		{"huge domain", func(o *Options) { o.Domain = strings.Repeat("a.", 1600) + "com" }, "Domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New[testClaims](testOptions(tt.mut))
			if err == nil || s != nil {
				t.Fatalf("New = %v, %v; want an error", s, err)
			}
			if errors.Is(err, ErrNoSession) {
				t.Fatalf("config error %v matches ErrNoSession", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error %q does not name %s", err, tt.want)
			}
		})
	}
	_, err := New[testClaims](testOptions(func(o *Options) { o.Keys = []Key{{ID: "k1"}} }))
	if err == nil || !strings.Contains(err.Error(), "empty secret") {
		t.Errorf("empty secret error = %v; want a clear message", err)
	}
}

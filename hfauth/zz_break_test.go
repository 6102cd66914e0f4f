package hfauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func zzCookie(b *testing.B) (*OAuth, string) {
	o, err := New(Config{Mode: ModeMock, SessionCacheSize: -1, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mountRoutes(mux, o)
	var keys []*http.Cookie
	get := func(u string) []*http.Cookie {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		req.RemoteAddr, req.Host = "127.0.0.1:1234", "localhost"
		for _, c := range keys {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec.Result().Cookies()
	}
	keys = get(o.MockLoginURL(""))
	var parts []string
	for _, c := range get(CallbackPath) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return o, strings.Join(parts, "; ")
}

func BenchmarkZZ(b *testing.B) {
	o, cookie := zzCookie(b)
	tok := cookie[strings.IndexByte(cookie, '=')+1:]
	if i := strings.IndexByte(tok, ';'); i >= 0 {
		tok = tok[:i]
	}
	segs := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(segs[1])
	var claims struct{ C json.RawMessage `json:"c"` }
	json.Unmarshal(payload, &claims)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", cookie)
	b.Logf("tok %d payload %d c %d", len(tok), len(payload), len(claims.C))
	b.Run("hmac", func(b *testing.B) {
		m := hmac.New(sha256.New, []byte("0123456789abcdef0123456789abcdef"))
		in := []byte(tok[:strings.LastIndexByte(tok, '.')])
		var s [32]byte
		for b.Loop() {
			m.Reset()
			m.Write(in)
			m.Sum(s[:0])
		}
	})
	b.Run("b64", func(b *testing.B) {
		dst := make([]byte, len(payload)+8)
		in := []byte(segs[1])
		for b.Loop() {
			base64.RawURLEncoding.Strict().Decode(dst, in)
		}
	})
	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := new(session).UnmarshalJSON(claims.C); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("loadAt", func(b *testing.B) {
		b.ReportAllocs()
		now := time.Now()
		for b.Loop() {
			if s, err := o.sessions.LoadAt(req, now); err != nil || s == nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("authenticate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s := o.Authenticate(nil, req); s.Info == nil {
				b.Fatal("nil")
			}
		}
	})
}

package hfauth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestPlainHTTPToSpaceHostWarns: with SpaceHost set, echohf builds an
// https callback URL and Secure __Host- cookies, which a browser on plain
// http never brings back. The first plain-http request for that host
// (no TLS, no X-Forwarded-Proto: https) gets one WARN line naming
// SPACE_HOST; requests over https, forwarded as https, or for another host
// get none.
func TestPlainHTTPToSpaceHostWarns(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	tests := []struct {
		name      string
		tls       bool
		otherHost bool     // SpaceHost is not the host the requests name
		header    []string // name, value: on every request
		want      int      // warnings
	}{
		{"plain http", false, false, nil, 1},
		{"X-Forwarded-Proto https", false, false, []string{"X-Forwarded-Proto", "https"}, 0},
		{"X-Forwarded-Proto HTTPS, http", false, false, []string{"X-Forwarded-Proto", "HTTPS, http"}, 0},
		{"X-Forwarded-Proto http", false, false, []string{"X-Forwarded-Proto", "http"}, 1},
		{"Forwarded proto=https", false, false, []string{"Forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43"}, 0},
		{"tls", true, false, nil, 0},
		{"another host", false, true, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln, addr := listen(t)
			cfg := realConfig(prov)
			cfg.SpaceHost = addr
			if tt.otherHost {
				cfg.SpaceHost = "echohf-space.hf.space"
			}
			a := serveApp(t, cfg, serveOpts{ln: ln, tls: tt.tls})
			c := plainClient(t)
			if tt.tls {
				c = a.Client()
			}
			for range 3 {
				if f := fetch(t, c, a.URL+"/page", tt.header...); f.StatusCode != http.StatusOK {
					t.Fatalf("GET /page = %d", f.StatusCode)
				}
			}
			logs := a.logs.String()
			if n := strings.Count(logs, "came over plain http"); n != tt.want {
				t.Fatalf("%d warnings about plain http; want %d:\n%s", n, tt.want, logs)
			}
			if tt.want > 0 && (!strings.Contains(logs, "level=WARN") || !strings.Contains(logs, EnvSpaceHost) || !strings.Contains(logs, "https://"+addr)) {
				t.Errorf("the warning names neither SPACE_HOST nor the https callback URL:\n%s", logs)
			}
		})
	}
}

package echohf

import (
	"strings"
	"testing"
)

func TestModeFromEnv(t *testing.T) {
	tests := []struct {
		name, mode, disallow string
		cfg                  Config
		want                 Mode
		wantErr              string
	}{
		{name: "auto without SPACE_ID is mock", want: ModeMock},
		{name: "ECHOHF_MODE=mock", mode: "mock", want: ModeMock},
		{name: "ECHOHF_MODE=real needs the OAuth variables", mode: "Real", wantErr: "OAUTH_CLIENT_ID"},
		{name: "Config.Mode wins over ECHOHF_MODE", mode: "real", cfg: Config{Mode: ModeMock}, want: ModeMock},
		{name: "ECHOHF_DISALLOW_MOCK=1 refuses mock mode", disallow: "1", wantErr: "DisallowMock"},
		{name: "ECHOHF_DISALLOW_MOCK=true refuses mock mode", disallow: "true", wantErr: "DisallowMock"},
		{name: "ECHOHF_DISALLOW_MOCK=0 allows it", disallow: "0", want: ModeMock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(EnvMode, tt.mode)
			t.Setenv(EnvDisallowMock, tt.disallow)
			r, err := tt.cfg.resolve()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolve() error = %v; want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.mode != tt.want {
				t.Errorf("mode = %v; want %v", r.mode, tt.want)
			}
		})
	}
}

func TestRedirectURLFromEnv(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvRedirectURL, "http://127.0.0.1:8080/oauth/huggingface/callback")
	if got := (Config{}).FromEnv().RedirectURL; got != "http://127.0.0.1:8080/oauth/huggingface/callback" {
		t.Errorf("RedirectURL = %q; want the environment's", got)
	}
	if got := (Config{RedirectURL: "https://field.example/cb"}).FromEnv().RedirectURL; got != "https://field.example/cb" {
		t.Errorf("RedirectURL = %q; want the field's", got)
	}
}

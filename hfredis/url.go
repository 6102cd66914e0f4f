package hfredis

// This file holds the reading of ECHOHF_REDIS_URL, and the registration
// that lets hfauth open it.

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/echohf/echohf/hfauth"
)

// Query parameters of the URL read by hfredis rather than by the client.
const (
	paramPrefix = "prefix" // Config.Prefix
	paramPolicy = "policy" // "closed" for Config.FailClosed, "open" (the default)
)

func init() {
	hfauth.RegisterRevocationFeed(func(rawURL string, logger *slog.Logger) (hfauth.RevocationFeed, error) {
		cfg, err := ParseURL(rawURL)
		if err != nil {
			return nil, err
		}
		cfg.Logger = logger
		return New(cfg)
	}, "redis", "rediss")
}

// ParseURL reads a Config from a URL such as
// redis://:password@host:6379/0?prefix=myapp:&policy=closed, or rediss://
// for TLS. Besides the client's own parameters (those of go-redis's
// ParseURL, such as dial_timeout), prefix sets Config.Prefix and
// policy=closed sets Config.FailClosed. Its errors never quote the
// password.
func ParseURL(rawURL string) (Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Config{}, fmt.Errorf("hfredis: the URL is malformed")
	}
	var cfg Config
	q := u.Query()
	cfg.Prefix = q.Get(paramPrefix)
	switch p := q.Get(paramPolicy); p {
	case "", "open":
	case "closed":
		cfg.FailClosed = true
	default:
		return Config{}, fmt.Errorf("hfredis: policy=%q; accepted values: open, closed", p)
	}
	q.Del(paramPrefix)
	q.Del(paramPolicy)
	u.RawQuery = q.Encode()
	cfg.Options, err = redis.ParseURL(u.String())
	if err != nil {
		msg := err.Error()
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
			msg = strings.ReplaceAll(msg, url.QueryEscape(pw), "xxxxx")
		}
		return Config{}, fmt.Errorf("hfredis: %s", msg)
	}
	return cfg, nil
}

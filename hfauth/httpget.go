package hfauth

// This file holds the bounded HTTP GETs to the provider and the Hub, and
// providerError, the error of every provider step.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// errProvider reports that the provider could not be reached, timed out,
// or answered with an error or an unusable document (answered 502 or 503,
// where a token that fails verification is answered 401). The page tells
// the first two ("could not be reached") from the others ("answered with
// an error"): see providerError.unanswered.
var errProvider = errors.New("echohf: provider unavailable")

// maxDocSize bounds any document read from the provider: a longer answer
// is an error. (x/oauth2 reads at most as much of the token endpoint's.)
const maxDocSize = 1 << 20

// providerError is a failed exchange with the provider, told the way the
// operator's log needs it: the step ("discovery", "token endpoint",
// "userinfo", "jwks"), the provider's host and what went wrong ("answered
// 404", "timed out", ...). It never holds a URL's path or query, a token or
// a body. It matches its kind: errProvider, or for the token endpoint's
// refusals errTokenRefused or errGrant (see tokenError).
type providerError struct {
	step   string
	host   string
	what   string
	kind   error
	status int // the HTTP status of an answer that was not 200, else 0
	// unanswered says the provider gave no answer: it timed out, refused
	// the connection, or its host name did not resolve (transportError).
	// Otherwise it answered, with an error status or an unusable document.
	unanswered bool
}

// unanswered reports whether err is a provider failure in which the
// provider gave no answer, for the page's message.
func unanswered(err error) bool {
	pe := (*providerError)(nil)
	return errors.As(err, &pe) && pe.unanswered
}

func (e *providerError) Error() string {
	if e.host == "" {
		return e.step + ": " + e.what
	}
	return e.step + ": " + e.host + " " + e.what
}

func (e *providerError) Unwrap() error { return e.kind }

// hostOf returns the host (and port) of rawURL, or "" when it does not parse.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}

// getJSON fetches rawURL with getBody, with no token, and decodes the
// body into v.
func (o *OAuth) getJSON(ctx context.Context, step, rawURL string, v any) error {
	body, err := o.getBody(ctx, step, rawURL, "")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &providerError{step: step, host: hostOf(rawURL), what: "sent a document that is not JSON", kind: errProvider}
	}
	return nil
}

// getBody fetches rawURL (with a bearer token when token is set) and
// returns its body; a body over maxDocSize is an error, not cut short.
// Every failure is a *providerError for step.
func (o *OAuth) getBody(ctx context.Context, step, rawURL, token string) ([]byte, error) {
	res, err := get(ctx, o.cfg.HTTPClient, rawURL, token)
	if err == nil {
		defer res.Body.Close()
		var body []byte
		if body, err = io.ReadAll(res.Body); err == nil {
			return body, nil
		}
	}
	what, none, ok := fetchFailure(err)
	if !ok {
		what, none = transportError(err), true // the client's own errors: a redirect refused, say
	}
	pe := &providerError{step: step, host: hostOf(rawURL), what: what, kind: errProvider, unanswered: none}
	if se := (*statusError)(nil); errors.As(err, &se) {
		pe.status = se.code
	}
	return nil, pe
}

// Errors of get, which fetchFailure describes.
var (
	// errBadURL reports a URL a request cannot be made for.
	errBadURL = errors.New("echohf: unusable URL")
	// errTooLarge reports a provider answer over maxDocSize.
	errTooLarge = errors.New("echohf: provider answer over 1 MiB")
)

// statusError reports a provider answer other than 200.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("echohf: provider answered %d", e.code) }

// get is every GET echohf sends the provider: it asks for JSON, with a
// bearer token when token is set. An answer other than 200 is a
// *statusError (its body drained and closed); a 200's body fails with
// errTooLarge past maxDocSize, and the caller closes it.
func get(ctx context.Context, c *http.Client, rawURL, token string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadURL, err)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxDocSize))
		res.Body.Close()
		return nil, &statusError{code: res.StatusCode}
	}
	res.Body = &capReader{body: res.Body, left: maxDocSize}
	return res, nil
}

// fetchFailure says what went wrong, for the log, when err comes from get
// or from reading its body: an unusable URL, an answer other than 200, a
// body over maxDocSize, the network; unanswered is true for the network
// (no answer came). ok is false for any other error.
func fetchFailure(err error) (what string, unanswered, ok bool) {
	var se *statusError
	switch {
	case errors.Is(err, errBadURL):
		return "has an unusable URL", false, true
	case errors.As(err, &se):
		return fmt.Sprintf("answered %d", se.code), false, true
	case errors.Is(err, errTooLarge):
		return "sent a body over 1 MiB", false, true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, new(net.Error)):
		return transportError(err), true, true
	}
	return "", false, false
}

// transportError describes a transport failure without echoing URLs that
// could carry credentials.
func transportError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return "could not be reached"
}

// jwksClient is what jwk.Cache fetches the JWKS with: Config.HTTPClient
// through get, so that an answer other than 200 or an oversized key set
// fails the fetch instead of being read without bound. jwk.Cache gives its
// fetches no context, so a client without a Timeout gets Config.Timeout,
// and the OAuth's context ends fetches at Close.
type jwksClient struct {
	ctx context.Context
	c   *http.Client
}

func newJWKSClient(ctx context.Context, c *http.Client, timeout time.Duration) jwksClient {
	cc := *c
	if cc.Timeout <= 0 {
		cc.Timeout = timeout
	}
	return jwksClient{ctx: ctx, c: &cc}
}

// Get fetches u (see jwksClient).
func (j jwksClient) Get(u string) (*http.Response, error) {
	return get(j.ctx, j.c, u, "")
}

// capReader reads at most left bytes of body and fails with errTooLarge
// beyond. It closes body at its end or on the first error, since
// jwk.Cache never closes the bodies it reads.
type capReader struct {
	body io.ReadCloser
	left int64
	err  error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1] // one byte past the cap tells a body at the cap from one over
	}
	n, err := c.body.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		n, err = n+int(c.left), errTooLarge
	}
	if err != nil {
		c.err = err
		c.body.Close()
	}
	return n, err
}

// Close closes the body.
func (c *capReader) Close() error {
	if c.err == nil {
		c.err = http.ErrBodyReadAfterClose
	}
	return c.body.Close()
}

package oidc

// This file holds the bounded HTTP GETs to the provider and the Hub, and
// the JWKS fetcher's client.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// MaxDocSize bounds any document read from the provider or the Hub: a
// longer answer is an error. (x/oauth2 reads at most as much of the token
// endpoint's.)
const MaxDocSize = 1 << 20

// GetBody fetches rawURL with c (with a bearer token when token is set,
// asking for JSON) and returns its body; an answer other than 200, or a
// body over MaxDocSize, is an error, never cut short. Every failure is an
// *Error for step, of kind ErrProvider.
func GetBody(ctx context.Context, c *http.Client, step, rawURL, token string) ([]byte, error) {
	res, err := get(ctx, c, rawURL, token)
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
	pe := &Error{Step: step, Host: HostOf(rawURL), What: what, Kind: ErrProvider, Unanswered: none}
	if se := (*statusError)(nil); errors.As(err, &se) {
		pe.Status = se.code
	}
	return nil, pe
}

// getJSON fetches rawURL with GetBody, with no token, and decodes the body
// into v.
func getJSON(ctx context.Context, c *http.Client, step, rawURL string, v any) error {
	body, err := GetBody(ctx, c, step, rawURL, "")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Step: step, Host: HostOf(rawURL), What: "sent a document that is not JSON", Kind: ErrProvider}
	}
	return nil
}

// Errors of get, which fetchFailure describes.
var (
	// errBadURL reports a URL a request cannot be made for.
	errBadURL = errors.New("echohf: unusable URL")
	// errTooLarge reports a provider answer over MaxDocSize.
	errTooLarge = errors.New("echohf: provider answer over 1 MiB")
)

// statusError reports a provider answer other than 200.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("echohf: provider answered %d", e.code) }

// get is every GET sent to the provider or the Hub: it asks for JSON, with
// a bearer token when token is set. An answer other than 200 is a
// *statusError (its body drained and closed); a 200's body fails with
// errTooLarge past MaxDocSize, and the caller closes it.
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
		drain(res)
		return nil, &statusError{code: res.StatusCode}
	}
	res.Body = &capReader{body: res.Body, left: MaxDocSize}
	return res, nil
}

// drain reads what is left of res's body, up to MaxDocSize, and closes it,
// so that its connection can be used again.
func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, MaxDocSize))
	res.Body.Close()
}

// fetchFailure says what went wrong, for the log, when err comes from get
// or from reading its body: an unusable URL, an answer other than 200, a
// body over MaxDocSize, the network; unanswered is true for the network
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

// jwksClient is what jwk.Cache fetches the JWKS with: the configured
// client through get, so that an answer other than 200 or an oversized key
// set fails the fetch instead of being read without bound. jwk.Cache gives
// its fetches no context, so a client without a Timeout gets
// Config.Timeout, and the Client's context ends fetches.
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

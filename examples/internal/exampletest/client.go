package exampletest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"
	"time"
)

// Client is an HTTP client that behaves like a browser tab: it keeps
// cookies and follows redirects, recording them.
type Client struct {
	*http.Client
}

// NewClient returns a Client with an empty cookie jar and a transport of
// its own (see Transport).
func NewClient(t testing.TB) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{Client: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: Transport(t)}}
}

// Transport returns a transport for one test's client, closed when the test
// ends. Test clients should not use http.DefaultTransport: every
// httptest.Server.Close closes its idle connections, which can break a
// request another parallel test is making on one of them.
func Transport(t testing.TB) *http.Transport {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// Response is a finished request: the last response of a redirect chain.
type Response struct {
	// Status is the final status code.
	Status int
	// Header is the final response's header.
	Header http.Header
	// Body is the final response's body.
	Body string
	// URL is the final URL, after redirects.
	URL string
	// Hops are the URLs of the requests made, first to last; Hops[0] is the
	// requested URL.
	Hops []string
	// Headers are the response headers of every hop, in order.
	Headers []http.Header
}

// Via tells whether the request went through a URL starting with prefix
// (the provider's authorize endpoint, say) on its way.
func (r *Response) Via(prefix string) bool {
	return slices.ContainsFunc(r.Hops, func(h string) bool { return strings.HasPrefix(h, prefix) })
}

// Get fetches url, following redirects, with the given header entries
// ("Name: value"); they are sent on every hop, as a browser sends its
// Accept header on each navigation.
func (c *Client) Get(t testing.TB, url string, header ...string) *Response {
	t.Helper()
	return c.do(t, url, true, header)
}

// GetNoRedirect fetches url without following a redirect.
func (c *Client) GetNoRedirect(t testing.TB, url string, header ...string) *Response {
	t.Helper()
	return c.do(t, url, false, header)
}

func (c *Client) do(t testing.TB, url string, follow bool, header []string) *Response {
	t.Helper()
	r := &Response{}
	hc := *c.Client
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !follow {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return fmt.Errorf("stopped after %d redirects: %v", len(via), r.Hops)
		}
		r.Hops = append(r.Hops, req.URL.String())
		r.Headers = append(r.Headers, req.Response.Header)
		return nil
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range header {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	r.Hops = []string{url}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	r.Status, r.Header, r.Body, r.URL = resp.StatusCode, resp.Header, string(body), resp.Request.URL.String()
	r.Headers = append(r.Headers, resp.Header)
	return r
}

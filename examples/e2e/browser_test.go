package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// hop is one HTTP response the browser received: a redirect or a final
// answer, of a page or of anything it loads.
type hop struct {
	URL      string
	Status   int64
	Instance string // the X-Instance header, "" when absent
	Upstream string // the X-Upstream header nginx adds, "" when absent
	// At is when the browser had a redirect (the wall time of the request
	// that follows it), zero for other responses.
	At time.Time
}

func (h hop) String() string {
	return fmt.Sprintf("%d %s [%s]", h.Status, h.URL, h.Instance)
}

// path is the hop's URL path.
func (h hop) path() string {
	u, err := url.Parse(h.URL)
	if err != nil {
		return ""
	}
	return u.Path
}

// browser is a headless Chromium with one tab, driven through the DevTools
// protocol. It records every response the tab receives (redirects
// included), with the instance that served it.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	hops     []hop
	requests []string // the URL of every request the tab made, first to last
	done     bool     // the test has ended: stop logging
}

// newBrowser starts Chromium (skipping or failing the test when it is not
// installed), bounded by testTimeout, with a fresh profile, and ends it when
// the test ends.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := requireBinary(t, "chromium", "chromium", "/usr/bin/chromium", "chromium-browser")
	profile := t.TempDir() // removed after the browser is gone: cleanups run last in, first out
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		// This machine has no network beyond loopback: no background
		// connections, no QUIC, no updates, no sync.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1000, 760),
		chromedp.NoInheritEnv,
		chromedp.Env("PATH=/usr/bin:/bin", "HOME="+profile, "TMPDIR="+profile, "LANG=C.UTF-8"),
	)
	b := &browser{t: t}
	timeout, cancelTimeout := context.WithTimeout(context.Background(), testTimeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(timeout, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithErrorf(b.logf), chromedp.WithLogf(b.logf))
	b.ctx = ctx
	stop := func() {
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
		b.mu.Lock()
		b.done = true
		b.mu.Unlock()
	}
	if err := chromedp.Do(ctx); err != nil { // starts the browser and opens the tab
		stop()
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	proc := chromedp.FromContext(ctx).Browser.Process()
	t.Cleanup(func() {
		stop()
		// Chromium is gone by now; make sure of it by its PID.
		if proc != nil {
			_ = proc.Kill() // "process already finished" is the expected answer
		}
	})
	// Loopback only: anything off this machine (a real user's avatar on
	// huggingface.co, say) is blocked in the browser, not left to time out
	// on a closed network. The requests are still recorded (requested).
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
		URLPatterns: []*network.BlockPattern{
			{URLPattern: "http://127.0.0.1:*/*", Block: false},
			{URLPattern: "http://localhost:*/*", Block: false},
			{URLPattern: "*://*:*/*", Block: true},
		},
	}); err != nil {
		t.Fatalf("block non-loopback URLs: %v", err)
	}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatal(err)
	}
	return b
}

// logf passes chromedp's messages to the test log while the test runs.
func (b *browser) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.t.Logf("chromedp: "+format, args...)
	}
}

// record keeps the requests and responses of the tab. It runs on
// chromedp's event loop: it only appends under the lock.
func (b *browser) record(ev any) {
	var r *network.Response
	var at time.Time
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.mu.Lock()
		b.requests = append(b.requests, e.Request.URL)
		b.mu.Unlock()
		r = e.RedirectResponse          // the response that caused this request, if any
		if r != nil && e.WallTime > 0 { // seconds since the epoch
			at = time.Unix(0, int64(float64(e.WallTime)*1e9))
		}
	case *network.EventResponseReceived:
		r = e.Response
	}
	if r == nil {
		return
	}
	h := hop{URL: r.URL, Status: r.Status, At: at}
	for k, v := range r.Headers {
		switch {
		case strings.EqualFold(k, "X-Instance"):
			h.Instance, _ = v.(string)
		case strings.EqualFold(k, "X-Upstream"):
			h.Upstream, _ = v.(string)
		}
	}
	b.mu.Lock()
	b.hops = append(b.hops, h)
	b.mu.Unlock()
}

// mark returns a position in the recorded hops, for since.
func (b *browser) mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.hops)
}

// since returns the hops recorded after mark.
func (b *browser) since(mark int) []hop {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]hop(nil), b.hops[mark:]...)
}

// requested returns the URL of every request the tab made so far, blocked
// ones included.
func (b *browser) requested() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// open navigates to u, follows redirects and returns the final document's
// response once the page has loaded.
func (b *browser) open(u string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("open %s: %v", u, err)
	}
	return resp
}

// click clicks the element with id and returns the response of the page
// the click navigates to, after redirects, once it has loaded.
func (b *browser) click(id string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.ID(id)))
	if err != nil {
		b.t.Fatalf("click #%s: %v", id, err)
	}
	return resp
}

// text returns the visible text of the element with id, waiting for it.
func (b *browser) text(id string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID(id), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("wait for #%s on %s: %v", id, b.location(), err)
	}
	return strings.TrimSpace(s)
}

// has tells whether an element matches the CSS selector on the current page.
func (b *browser) has(css string) bool {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", css)))
	if err != nil {
		b.t.Fatalf("query %s: %v", css, err)
	}
	return n > 0
}

// attrs returns the attribute attr of every element matching css.
func (b *browser) attrs(css, attr string) []string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		"Array.from(document.querySelectorAll(%q), e => e.getAttribute(%q))", css, attr)))
	if err != nil {
		b.t.Fatalf("query %s: %v", css, err)
	}
	return v
}

// location returns the URL of the current page.
func (b *browser) location() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return u
}

// cookies returns the browser's cookies for u, read through CDP (HttpOnly
// ones included, as the browser stores them).
func (b *browser) cookies(u string) []*network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		b.t.Fatalf("get cookies: %v", err)
	}
	return res.Cookies
}

// sessionCookies returns the session cookies (and chunks) for u.
func (b *browser) sessionCookies(u string) []*network.Cookie {
	b.t.Helper()
	var out []*network.Cookie
	for _, c := range b.cookies(u) {
		if isSessionCookie(c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// screenshot saves a PNG of the current viewport as
// <repo>/screenshots/name (an ignored folder) and returns its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "screenshots"))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o600); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// cookieHeader is the Cookie header a request to u would carry from this
// browser, for a Go client that goes on where the browser stopped.
func (b *browser) cookieHeader(u string) string {
	b.t.Helper()
	var parts []string
	for _, c := range b.cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

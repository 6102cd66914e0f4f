package e2e

import (
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/mock"
)

// Avatar frame sizes in CSS pixels, as the Space's stylesheet sets them.
const (
	userFrame = 64
	orgFrame  = 24
)

// frame is an avatar frame as the browser laid it out.
type frame struct {
	Kind     string  `json:"kind"` // "user" or "org"
	W        float64 `json:"w"`
	H        float64 `json:"h"`
	Overflow string  `json:"overflow"`
	Initials string  `json:"initials"`
	// InitialsIn tells whether the initials' box lies inside the frame.
	InitialsIn bool       `json:"initialsIn"`
	Img        *frameImg  `json:"img"`
	Children   []frameBox `json:"children"` // every descendant's box, relative to the frame
}

// frameImg is the picture in a frame.
type frameImg struct {
	Src    string  `json:"src"`
	Alt    string  `json:"alt"`
	Loaded bool    `json:"loaded"`
	Fit    string  `json:"fit"`
	X      float64 `json:"x"` // relative to the frame
	Y      float64 `json:"y"`
	W      float64 `json:"w"`
	H      float64 `json:"h"`
}

// frameBox is an element's rendered box relative to its frame.
type frameBox struct {
	Tag string  `json:"tag"`
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	W   float64 `json:"w"`
	H   float64 `json:"h"`
}

const framesJS = `Array.from(document.querySelectorAll(".avatar"), f => {
	const r = f.getBoundingClientRect();
	const rel = e => { const b = e.getBoundingClientRect(); return {tag: e.tagName, x: b.x - r.x, y: b.y - r.y, w: b.width, h: b.height}; };
	const img = f.querySelector("img");
	const ini = f.querySelector(".initials");
	const ib = ini ? rel(ini) : null;
	return {
		kind: f.classList.contains("avatar-user") ? "user" : f.classList.contains("avatar-org") ? "org" : f.className,
		w: r.width, h: r.height,
		overflow: getComputedStyle(f).overflow,
		initials: ini ? ini.textContent : "",
		initialsIn: !!ib && ib.x >= 0 && ib.y >= 0 && ib.x + ib.w <= r.width && ib.y + ib.h <= r.height,
		img: img && Object.assign(rel(img), {
			src: img.getAttribute("src"), alt: img.getAttribute("alt"),
			loaded: img.complete && img.naturalWidth > 0, fit: getComputedStyle(img).objectFit,
		}),
		children: Array.from(f.querySelectorAll("*"), rel),
	};
})`

// wantFrames checks the avatars of the current page: users user frames and
// orgs org frames, each of its fixed size and clipping its content, the
// picture (if any) loaded and filling the frame exactly, with an empty alt
// (the name is next to it as text), and the initials inside the frame; no
// picture outside a frame; and the page itself no wider than the window.
func wantFrames(t *testing.T, b *browser, users, orgs int) []frame {
	t.Helper()
	frames, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]frame](framesJS))
	if err != nil {
		t.Fatalf("read the avatar frames: %v", err)
	}
	count := map[string]int{}
	for i, f := range frames {
		count[f.Kind]++
		size := map[string]float64{"user": userFrame, "org": orgFrame}[f.Kind]
		name := fmt.Sprintf("%s: %s frame %d", b.location(), f.Kind, i)
		if size == 0 || !near(f.W, size) || !near(f.H, size) {
			t.Errorf("%s is %gx%g; want %gx%g", name, f.W, f.H, size, size)
		}
		if f.Overflow != "hidden" {
			t.Errorf("%s: overflow %q; want hidden", name, f.Overflow)
		}
		if f.Initials == "" || !f.InitialsIn {
			t.Errorf("%s: initials %q, inside the frame %v; want some, inside", name, f.Initials, f.InitialsIn)
		}
		if img := f.Img; img != nil {
			if !img.Loaded {
				t.Errorf("%s: picture %.60q is broken but still shown; want it taken away for the initials", name, img.Src)
			}
			if img.Alt != "" || img.Fit != "cover" {
				t.Errorf("%s: picture alt %q, object-fit %q; want an empty alt and cover", name, img.Alt, img.Fit)
			}
			if !near(img.X, 0) || !near(img.Y, 0) || !near(img.W, f.W) || !near(img.H, f.H) {
				t.Errorf("%s: picture box %gx%g at (%g,%g); want the frame's, %gx%g at (0,0)", name, img.W, img.H, img.X, img.Y, f.W, f.H)
			}
		}
		for _, c := range f.Children {
			if c.X < -0.5 || c.Y < -0.5 || c.X+c.W > f.W+0.5 || c.Y+c.H > f.H+0.5 {
				t.Errorf("%s: a %s spills out: %gx%g at (%g,%g)", name, c.Tag, c.W, c.H, c.X, c.Y)
			}
		}
	}
	if count["user"] != users || count["org"] != orgs || len(frames) != users+orgs {
		t.Errorf("%s: avatar frames %v; want %d user and %d org", b.location(), count, users, orgs)
	}
	loose, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.querySelectorAll('img:not(.avatar img)').length"))
	if err != nil {
		t.Fatal(err)
	}
	if loose != 0 {
		t.Errorf("%s: %d pictures outside an avatar frame", b.location(), loose)
	}
	wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth"))
	if err != nil {
		t.Fatal(err)
	}
	if wide {
		t.Errorf("%s: the page is wider than the window", b.location())
	}
	return frames
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.5 }

// signInButton is the sign-in link as the browser drew it.
type signInButton struct {
	Class  string  `json:"class"`
	Text   string  `json:"text"`
	SVG    bool    `json:"svg"`
	SVGIn  bool    `json:"svgIn"`
	Imgs   int     `json:"imgs"`
	BG     string  `json:"bg"`
	Color  string  `json:"color"`
	Radius float64 `json:"radius"`
	H      float64 `json:"h"`
}

// wantSignInButton checks that the page has the "Sign in with Hugging
// Face" button, drawn like Hugging Face's own: a dark pill, light text,
// the logo drawn inline (no image to fetch).
func wantSignInButton(t *testing.T, b *browser) {
	t.Helper()
	btn, err := chromedp.Run(b.ctx, chromedp.Evaluate[*signInButton](`(() => {
		const a = document.querySelector("a#signin");
		if (!a) return null;
		const cs = getComputedStyle(a), r = a.getBoundingClientRect();
		const svg = a.querySelector("svg"), s = svg && svg.getBoundingClientRect();
		return {
			class: a.className, text: a.textContent.trim().replace(/\s+/g, " "),
			svg: !!svg, svgIn: !!s && s.width > 0 && s.x >= r.x && s.y >= r.y && s.right <= r.right && s.bottom <= r.bottom,
			imgs: a.querySelectorAll("img").length,
			bg: cs.backgroundColor, color: cs.color, radius: parseFloat(cs.borderTopLeftRadius), h: r.height,
		};
	})()`))
	if err != nil {
		t.Fatalf("read the sign-in button: %v", err)
	}
	if btn == nil {
		t.Fatalf("%s: no a#signin", b.location())
	}
	classes := strings.Fields(btn.Class)
	if !slices.Contains(classes, "signin") || !slices.Contains(classes, "hf-signin") {
		t.Errorf("sign-in button classes %q; want signin and hf-signin", btn.Class)
	}
	if btn.Text != "Sign in with Hugging Face" {
		t.Errorf("sign-in button text %q; want Sign in with Hugging Face", btn.Text)
	}
	if !btn.SVG || !btn.SVGIn || btn.Imgs != 0 {
		t.Errorf("sign-in button: inline logo %v (inside %v), %d images; want the inline logo inside, no image", btn.SVG, btn.SVGIn, btn.Imgs)
	}
	if btn.Radius < btn.H/2 {
		t.Errorf("sign-in button corner radius %gpx at height %gpx; want a pill", btn.Radius, btn.H)
	}
	if l := luminance(t, btn.BG); l > 0.2 {
		t.Errorf("sign-in button background %s; want a dark one", btn.BG)
	}
	if l := luminance(t, btn.Color); l < 0.8 {
		t.Errorf("sign-in button text color %s; want a light one", btn.Color)
	}
}

// luminance is the mean of the channels of a CSS "rgb(r, g, b)" color, 0 to 1.
func luminance(t *testing.T, color string) float64 {
	t.Helper()
	var r, g, bl float64
	if _, err := fmt.Sscanf(color, "rgb(%g, %g, %g)", &r, &g, &bl); err != nil {
		t.Fatalf("color %q: %v", color, err)
	}
	return (r + g + bl) / 3 / 255
}

// offline checks that the browser stays on this machine: every request it
// made after the first `from` went to a loopback address or was a data:
// URL, and every picture of the current page comes from the page's own
// origin or is a data: URL. It returns the number of requests so far, the
// next from.
func offline(t *testing.T, b *browser, from int) int {
	t.Helper()
	reqs := b.requested()
	for _, r := range reqs[from:] {
		if !onMachine(r) {
			t.Errorf("the browser requested %.80q, off this machine", r)
		}
	}
	srcs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string]("Array.from(document.querySelectorAll('img'), i => i.src)"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := url.Parse(b.location())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "data" && (u.Scheme != page.Scheme || u.Host != page.Host)) {
			t.Errorf("%s: picture %.80q is neither on the page's origin nor a data: URL", page, s)
		}
	}
	return len(reqs)
}

// onMachine tells whether a request URL stays on this machine.
func onMachine(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if u.Scheme == "data" {
		return true
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// TestSpaceOffline opens every page of the Space as a visitor does, in
// mock mode and in real mode against the mock provider: logged out, the
// sign-in button; logged in, the avatar and organizations in their frames,
// and the user's models as the mock Hub lists them; and never a request
// off this machine, since the mock users' pictures are the app's or data:
// URLs. The screenshots are for a person to look at. On examples/space,
// then space5.
func TestSpaceOffline(t *testing.T) { forEachSpace(t, testSpaceOffline) }

func testSpaceOffline(t *testing.T, sa spaceApp) {
	for _, mode := range []string{"mock", "real"} {
		t.Run(mode, func(t *testing.T) {
			var app *space
			var hub *mock.Server
			if mode == "real" {
				hub, app = realSpace(t, *sa.bin)
			} else {
				hub = mock.NewServer(t, mock.Config{}) // the Hub only
				app = startSpace(t, *sa.bin, "mock", freePort(t), echohf.EnvHFEndpoint+"="+hub.URL)
			}
			b := newBrowser(t) // after the app: ended first, so it holds no connection to it
			seen := 0

			b.open(app.URL + "/")
			wantSignInButton(t, b)
			wantFrames(t, b, 0, 0)
			seen = offline(t, b, seen)
			t.Logf("screenshot: %s", b.screenshot(sa.shots+"-"+mode+"-logged-out.png"))

			if mode == "real" {
				b.click("signin")
			} else {
				b.open(app.signInURL(t))
			}
			wantLoggedIn(t, b)
			seen = offline(t, b, seen)
			t.Logf("screenshot: %s", b.screenshot(sa.shots+"-"+mode+"-logged-in.png"))

			b.open(app.URL + "/private")
			wantFrames(t, b, 1, 0)
			seen = offline(t, b, seen)

			b.open(app.URL + "/members")
			wantFrames(t, b, 0, 0)
			seen = offline(t, b, seen)
			t.Logf("screenshot: %s", b.screenshot(sa.shots+"-"+mode+"-members.png"))

			// Mock mode asks the Hub without a token: public models only.
			var want []string
			for _, m := range mock.DefaultModels() {
				if strings.HasPrefix(m.ID, "mockuser/") && (mode == "real" || !m.Private) {
					want = append(want, m.ID)
				}
			}
			b.open(app.URL + "/models")
			if got := b.attrs("#models li.model", "data-model"); !slices.Equal(got, want) {
				t.Errorf("/models lists %q; want %q", got, want)
			}
			if b.has("#models-error") {
				t.Errorf("/models shows an error: %q", b.text("message"))
			}
			if n := hub.Requests(mock.EndpointModels); n != 1 {
				t.Errorf("the Hub's model list was asked %d times; want 1", n)
			}
			wantFrames(t, b, 0, 0)
			offline(t, b, seen)
			t.Logf("screenshot: %s", b.screenshot(sa.shots+"-"+mode+"-models.png"))
		})
	}
}

// svgURI is a data: URI of an SVG picture w by h with a disk in its middle.
func svgURI(w, h int, fill string) string {
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d"><rect width="%d" height="%d" fill="%s"/><circle cx="%d" cy="%d" r="%d" fill="#fff"/></svg>`,
		w, h, w, h, fill, w/2, h/2, min(w, h)/3)
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

// TestSpaceAnyPicture signs in a user whose pictures are every kind a
// provider might send: one off this machine (blocked here, as when a
// visitor is offline), one missing on the app, a huge one of another
// shape, a data: one, none, a script URL; with a name too long for its
// line. Every frame keeps its size, a broken picture gives way to the
// initials, and the page does not grow wider than the window. On
// examples/space, then space5.
func TestSpaceAnyPicture(t *testing.T) { forEachSpace(t, testSpaceAnyPicture) }

func testSpaceAnyPicture(t *testing.T, sa spaceApp) {
	user := mock.NewUser("wolfeschlegelsteinhausenbergerdorff-the-elder-of-the-house")
	user.Name = "Hubert Blaine Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewarenwohlgepflegeundsorgfaltigkeitbeschutzen Sr."
	user.Picture = "https://cdn-avatars.huggingface.co/v1/production/uploads/hubert.png"
	pictures := []struct{ name, picture string }{
		{"missing-here", "/avatars/missing.png"},
		{"huge-and-wide", svgURI(4000, 300, "#ff9d0b")},
		{"small-data", svgURI(8, 8, "#6b7280")},
		{"no-picture", ""},
		{"script-picture", "javascript:alert(1)"},
		{"far-away", "https://cdn-avatars.huggingface.co/v1/production/uploads/org.png"},
	}
	loaded := map[string]bool{"huge-and-wide": true, "small-data": true}
	for _, p := range pictures {
		o := mock.NewOrg(p.name)
		o.Picture = p.picture
		user.Orgs = append(user.Orgs, o)
	}
	prov := mock.NewServer(t, mock.Config{Users: []mock.User{user}})
	port := freePort(t)
	app := startSpace(t, *sa.bin, "solo", port, realEnv(prov.URL, baseURL(port))...)
	b := newBrowser(t)

	b.open(app.URL + "/")
	b.click("signin")
	if !b.has("#username") {
		t.Fatalf("not signed in: on %s", b.location())
	}
	frames := wantFrames(t, b, 1, len(pictures))
	if len(frames) == 1+len(pictures) {
		if frames[0].Img != nil {
			t.Errorf("the blocked user picture is still shown: %+v", frames[0].Img)
		}
		for i, p := range pictures {
			if got := frames[i+1].Img != nil; got != loaded[p.name] {
				t.Errorf("org %s: picture shown %v; want %v", p.name, got, loaded[p.name])
			}
		}
	}
	t.Logf("screenshot: %s", b.screenshot(sa.shots+"-any-picture.png"))
	b.open(app.URL + "/private")
	wantFrames(t, b, 1, 0)
}

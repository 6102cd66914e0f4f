package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// nginxConf is the load balancer's configuration: everything in the test's
// temporary directory, one process (no master), loopback only.
//
// Requests go round robin over the three instances (upstream "pool"),
// except three locations pinned to one instance each, so that the browser
// login is served, deterministically, by three different instances:
// the login route by the first, the callback by the second and the page the
// login comes back to (/private for examples/space, /me for hello and
// hello5) by the third. Without pins, round robin
// plus the browser's own extra requests would make the order a matter of
// luck. The pins change nothing for the app: each instance still only sees
// cookies minted by another one. nginx names the instance that answered in
// an X-Upstream header (its address), for apps that send no X-Instance.
var nginxConf = template.Must(template.New("nginx.conf").Parse(`
daemon off;
master_process off;
worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log info;

events {
	worker_connections 256;
}

http {
	access_log {{.Dir}}/access.log;
	client_body_temp_path {{.Dir}}/client_body;
	proxy_temp_path {{.Dir}}/proxy;
	fastcgi_temp_path {{.Dir}}/fastcgi;
	uwsgi_temp_path {{.Dir}}/uwsgi;
	scgi_temp_path {{.Dir}}/scgi;

	# Session cookies can be large (chunked up to several 4 KB cookies): a
	# session of about 100 organizations fits nginx's default 8k header
	# buffer, TestReplicasBigSession's 350 need these.
	large_client_header_buffers 8 32k;
	proxy_buffer_size 32k;
	proxy_buffers 8 32k;
	proxy_busy_buffers_size 64k;

	# Round robin (nginx's default). max_fails=0: an instance that is being
	# restarted is never taken out of the rotation.
	upstream pool {
{{- range .Ports}}
		server 127.0.0.1:{{.}} max_fails=0;
{{- end}}
	}
{{range $i, $p := .Ports}}
	upstream instance{{$i}} {
		server 127.0.0.1:{{$p}} max_fails=0;
	}
{{end}}
	server {
		listen 127.0.0.1:{{.Port}};
		server_name localhost;

		location = /_nginx_ready {
			access_log off;
			return 204;
		}
{{- if .Plain}}
		# A bare proxy_pass to one instance, as a mistaken deployment may
		# have it: nginx sends Host 127.0.0.1:port and no forwarding header.
		location / {
			proxy_pass http://127.0.0.1:{{index .Ports 0}};
		}
{{- else}}
		proxy_http_version 1.1;
		proxy_set_header Connection "";
		proxy_set_header Host $http_host;
		proxy_set_header X-Forwarded-Proto $scheme;
		add_header X-Upstream $upstream_addr always;

		location = {{.LoginPath}} {
			proxy_pass http://instance0;
		}
		location = {{.CallbackPath}} {
			proxy_pass http://instance1;
		}
		location = {{.PagePath}} {
			proxy_pass http://instance2;
		}
		location / {
			proxy_pass http://pool;
		}
{{- end}}
	}
}
`))

// startNginx runs the nginx binary exe on 127.0.0.1:port in front of the
// instances on ports, with its own configuration and files in a temporary
// directory, and stops it (by PID) when the test ends. plain makes it a
// bare proxy_pass to the first instance instead of the load balancer.
// page is the path pinned to the third instance (see nginxConf).
func startNginx(t *testing.T, exe string, port int, ports []int, plain bool, page string) {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		t.Fatal(err)
	}
	err = nginxConf.Execute(f, map[string]any{
		"Dir": dir, "Port": port, "Ports": ports, "Plain": plain, "PagePath": page,
		"LoginPath": echohf.LoginPath, "CallbackPath": echohf.CallbackPath,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	// -e: the error log before the configuration is read; -p: the prefix
	// for every relative path. Nothing outside dir is written.
	p := startProc(t, "nginx", exe,
		[]string{"-e", filepath.Join(dir, "error.log"), "-p", dir + "/", "-c", conf},
		[]string{"PATH=/usr/sbin:/usr/bin:/bin"})
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			lines := strings.Split(string(b), "\n")
			for i, l := range lines {
				if len(l) > 300 { // a too-long Cookie header is quoted whole
					lines[i] = l[:300] + "…"
				}
			}
			t.Logf("nginx error.log:\n%s", strings.Join(lines, "\n"))
		}
	})
	waitHTTP(t, p, baseURL(port)+"/_nginx_ready", func(r *http.Response) bool {
		return r.StatusCode == http.StatusNoContent
	})
}

// loggedIn tells whether a page shows user signed in.
func loggedIn(r *exampletest.Response, user string) bool {
	return r.Status == http.StatusOK && strings.Contains(r.Body, `id="username"`) &&
		strings.Contains(r.Body, "@"+user+"<") && !strings.Contains(r.Body, `id="signin"`)
}

// spread sends n requests through the load balancer with the browser's
// cookies, alternating between the home and the members pages, and
// requires every answer to be logged in as user. It returns how many each
// instance served.
func spread(t *testing.T, base, cookie, user string, n int) map[string]int {
	t.Helper()
	// No cookie jar: every request carries the browser's cookies and
	// nothing else, and a Set-Cookie in an answer changes no later request.
	c := &exampletest.Client{Client: &http.Client{Timeout: 10 * time.Second}}
	seen := map[string]int{}
	failures := 0
	for i := range n {
		path := "/"
		if i%2 == 1 {
			path = "/members"
		}
		r := c.GetNoRedirect(t, base+path, "Cookie: "+cookie, "Accept: text/html")
		instance, setCookies := r.Header.Get("X-Instance"), r.Header.Values("Set-Cookie")
		seen[instance]++
		in := loggedIn(r, user)
		ok := in
		for _, sc := range setCookies {
			if name, _, _ := strings.Cut(sc, "="); isSessionCookie(name) {
				ok = false // the session was expired or rewritten: not what a valid session gets
			}
		}
		if !ok {
			failures++
			if failures <= 3 {
				t.Errorf("request %d: GET %s served by %q: status %d, logged in %v, Set-Cookie %q",
					i, path, instance, r.Status, in, setCookies)
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d requests were not logged in", failures, n)
	}
	return seen
}

// startReplicas starts three instances of the Space app bin in real mode
// against the provider at providerURL, with the same configuration but
// INSTANCE_ID (vars, "NAME=value", added to each), and nginx in front of
// them. It returns the load balancer's URL and the instances.
func startReplicas(t *testing.T, bin, providerURL string, vars ...string) (string, []*space) {
	t.Helper()
	return startReplicasOf(t, providerURL, "/private", func(name string, port int, env []string) *space {
		return startSpace(t, bin, name, port, env...)
	}, vars...)
}

// startReplicasOf is startReplicas for any app: start runs one instance,
// and page is the path nginx pins to the third one.
func startReplicasOf(t *testing.T, providerURL, page string, start func(name string, port int, env []string) *space, vars ...string) (string, []*space) {
	t.Helper()
	nginx := requireBinary(t, "nginx", "nginx", "/usr/sbin/nginx")
	lbPort := freePort(t)
	lb := baseURL(lbPort)
	env := append(realEnv(providerURL, lb), vars...) // the callback URL is the load balancer's
	var apps []*space
	var ports []int
	for _, name := range []string{"replica-a", "replica-b", "replica-c"} {
		port := freePort(t)
		apps = append(apps, start(name, port, env))
		ports = append(ports, port)
	}
	startNginx(t, nginx, lbPort, ports, false, page)
	return lb, apps
}

// TestReplicas: three instances of examples/space (then of space5) with
// the same configuration behind nginx. The browser login crosses three instances
// (login, callback and first page each on another one), 300 more requests
// spread over all three stay logged in, and an instance restarted with a
// rotated session secret still accepts the session.
func TestReplicas(t *testing.T) { forEachSpace(t, testReplicas) }

func testReplicas(t *testing.T, app spaceApp) {
	prov := mock.NewServer(t, mock.Config{})
	lb, apps := startReplicas(t, *app.bin, prov.URL)
	names := []string{apps[0].Instance, apps[1].Instance, apps[2].Instance}
	b := newBrowser(t) // after the servers: ended first, so it holds no connection to them

	// Login, crossing three instances.
	mark := b.mark()
	resp := b.open(lb + "/private")
	if resp.Status != http.StatusOK {
		t.Fatalf("/private through nginx after login: status %d; want 200 (hops %v)", resp.Status, b.since(mark))
	}
	if got := b.location(); got != lb+"/private" {
		t.Errorf("after login the browser is on %s; want %s/private", got, lb)
	}
	if got := b.text("username"); got != "@mockuser" {
		t.Errorf("/private: #username = %q; want @mockuser", got)
	}
	hops := b.since(mark)
	wantVia(t, hops, prov.URL+mock.PathAuthorize)
	for _, h := range hops {
		if strings.HasPrefix(h.URL, prov.URL+mock.PathAuthorize) {
			u, err := url.Parse(h.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := u.Query().Get("redirect_uri"), lb+echohf.CallbackPath; got != want {
				t.Errorf("authorize redirect_uri = %q; want the load balancer's callback %q", got, want)
			}
		}
	}
	served := func(path string, status int) string {
		t.Helper()
		for _, h := range hops {
			if strings.HasPrefix(h.URL, lb) && h.path() == path && h.Status == int64(status) {
				if h.Instance == "" {
					t.Errorf("%v carries no X-Instance header", h)
				}
				return h.Instance
			}
		}
		t.Fatalf("no %d response for %s among %v", status, path, hops)
		return ""
	}
	login := served(echohf.LoginPath, http.StatusFound)
	callback := served(echohf.CallbackPath, http.StatusFound)
	var first string
	for _, h := range hops { // the last answer for /private is the page after login
		if strings.HasPrefix(h.URL, lb) && h.path() == "/private" && h.Status == http.StatusOK {
			first = h.Instance
		}
	}
	t.Logf("login served by %s, callback by %s, first page by %s", login, callback, first)
	if login == "" || callback == "" || first == "" || login == callback || callback == first || login == first {
		t.Fatalf("login, callback and first page served by %q, %q, %q; want three different instances", login, callback, first)
	}
	if got := b.text("instance"); got != first {
		t.Errorf("the page names instance %q; its X-Instance header %q", got, first)
	}
	wantSessionCookie(t, b, lb)

	// 300 more requests, round robin over the three: all logged in.
	cookie := b.cookieHeader(lb)
	t.Logf("the browser's Cookie header is %d bytes", len(cookie))
	seen := spread(t, lb, cookie, "mockuser", 300)
	t.Logf("300 requests served: %v", seen)
	for _, name := range names {
		if seen[name] == 0 {
			t.Errorf("instance %s served none of the 300 requests: %v", name, seen)
		}
	}
	if len(seen) != len(names) {
		t.Errorf("answers came from %v; want exactly %v", seen, names)
	}

	// Rotate the session secret on one instance: new signing secret, the old
	// one kept for verification. The session minted under the old secret
	// still works there and on the others.
	apps[1].stop() // SIGTERM by PID, SIGKILL after a grace period
	rotated := "replica-b-rotated"
	renv := append(realEnv(prov.URL, lb),
		echohf.EnvSessionSecret+"="+rotatedSessionSecret,
		echohf.EnvOldSessionSecrets+"="+sessionSecret)
	startSpace(t, *app.bin, rotated, apps[1].Port, renv...)
	seen = spread(t, lb, cookie, "mockuser", 30)
	t.Logf("30 requests after the rotation served: %v", seen)
	for _, name := range []string{names[0], rotated, names[2]} {
		if seen[name] == 0 {
			t.Errorf("instance %s served none of the requests after the rotation: %v", name, seen)
		}
	}
	// And in the browser: pages until the rotated instance has served one
	// (the browser's favicon requests share the rotation), each logged in.
	var browserSeen []string
	for i := 0; i < 9 && !slices.Contains(browserSeen, rotated); i++ {
		mark = b.mark()
		b.open(lb + "/")
		if got := b.text("username"); got != "@mockuser" {
			t.Errorf("after the rotation, home page on %s: #username = %q", b.text("instance"), got)
		}
		for _, h := range b.since(mark) {
			if h.path() == "/" {
				browserSeen = append(browserSeen, h.Instance)
			}
		}
	}
	if !slices.Contains(browserSeen, rotated) {
		t.Errorf("the browser's pages after the rotation came from %v; want %s among them", browserSeen, rotated)
	}
	t.Logf("browser pages after the rotation served by %v", browserSeen)
}

// TestReplicasBigSession: a user in hundreds of organizations gets a
// session too big for one cookie, and a Cookie header bigger than nginx's
// default header buffer. The chunks travel through nginx (its buffers are
// sized for them) and every replica reassembles them. On examples/space,
// then space5.
func TestReplicasBigSession(t *testing.T) { forEachSpace(t, testReplicasBigSession) }

func testReplicasBigSession(t *testing.T, app spaceApp) {
	prov := mock.NewServer(t, mock.Config{})
	user := mock.NewUser("joiner")
	user.Orgs = []mock.Org{mock.NewOrg("acme-research")} // the org of /members
	for i := range 350 {
		o := mock.NewOrg(fmt.Sprintf("organization-number-%03d", i))
		o.Name = fmt.Sprintf("Organization number %d with a long display name", i)
		o.RoleInOrg = mock.DefaultUser().Orgs[i%3].RoleInOrg
		user.Orgs = append(user.Orgs, o)
	}
	prov.AddUser(user)
	if err := prov.SetUser(user.PreferredUsername); err != nil {
		t.Fatal(err)
	}
	lb, _ := startReplicas(t, *app.bin, prov.URL)
	b := newBrowser(t)

	b.open(lb + "/")
	resp := b.click("signin")
	if resp.Status != http.StatusOK {
		t.Fatalf("after sign-in through nginx: status %d; want 200", resp.Status)
	}
	if got := b.text("username"); got != "@joiner" {
		t.Fatalf("#username = %q; want @joiner", got)
	}
	if got := len(b.attrs("#orgs li.org", "data-org")); got != len(user.Orgs) {
		t.Errorf("the page lists %d organizations; want %d", got, len(user.Orgs))
	}
	chunks := b.sessionCookies(lb)
	cookie := b.cookieHeader(lb)
	t.Logf("session in %d cookies, Cookie header %d bytes", len(chunks), len(cookie))
	if len(chunks) < 2 {
		t.Errorf("session in %d cookie(s); want it split into chunks (the user has %d orgs)", len(chunks), len(user.Orgs))
	}
	// Over nginx's default header buffer (8k): the 32k buffers of the
	// configuration are what lets it through.
	if len(cookie) <= 8<<10 {
		t.Errorf("Cookie header of %d bytes; want it over 8 KiB to exercise nginx's header buffers", len(cookie))
	}
	seen := spread(t, lb, cookie, user.PreferredUsername, 30)
	if len(seen) != 3 {
		t.Errorf("answers came from %v; want three instances", seen)
	}
}

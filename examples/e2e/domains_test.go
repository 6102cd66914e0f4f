package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/mock"
)

// Host names of TestCustomDomain: Chromium resolves every *.localhost name
// to loopback by itself, so no resolver is set up.
const (
	spaceHostName  = "space.localhost"
	customHostName = "custom.localhost"
)

// domainsConf is nginx in front of three replicas for two host names: one
// server for both, the login route pinned to the first replica, the
// callback to the second and the handoff to the third, the rest round
// robin. Its access log names the host, the request line, the status and
// the Referer of every request.
var domainsConf = template.Must(template.New("nginx.conf").Parse(`
daemon off;
master_process off;
worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log info;
events { worker_connections 256; }
http {
	log_format hosts '$host "$request" $status "$http_referer"';
	access_log {{.Dir}}/access.log hosts;
	client_body_temp_path {{.Dir}}/client_body;
	proxy_temp_path {{.Dir}}/proxy;
	fastcgi_temp_path {{.Dir}}/fastcgi;
	uwsgi_temp_path {{.Dir}}/uwsgi;
	scgi_temp_path {{.Dir}}/scgi;
	upstream pool {
{{- range .Ports}}
		server 127.0.0.1:{{.}} max_fails=0;
{{- end}}
	}
{{range $i, $p := .Ports}}
	upstream instance{{$i}} { server 127.0.0.1:{{$p}} max_fails=0; }
{{end}}
	server {
		listen 127.0.0.1:{{.Port}};
		server_name {{.Space}} {{.Custom}};
		location = /_nginx_ready { access_log off; return 204; }
		proxy_http_version 1.1;
		proxy_set_header Connection "";
		proxy_set_header Host $http_host;
		proxy_set_header X-Forwarded-Proto $scheme;
		location = {{.LoginPath}} { proxy_pass http://instance0; }
		location = {{.CallbackPath}} { proxy_pass http://instance1; }
		location = {{.HandoffPath}} { proxy_pass http://instance2; }
		location / { proxy_pass http://pool; }
	}
}
`))

// TestCustomDomain: a Space with a custom domain (SPACE_HOST lists
// space.localhost, then custom.localhost), three replicas behind nginx.
// Chromium on custom.localhost clicks sign in, goes through the mock
// provider, and lands signed in on custom.localhost on the page it started
// from: the login starts there (replica 0), the callback completes on
// space.localhost (replica 1), and the handoff lands on custom.localhost
// (replica 2). The handoff never shows in nginx's access log (request
// lines and Referers) nor in the browser's history. space.localhost goes
// on working as before, with no handoff.
func TestCustomDomain(t *testing.T) {
	nginx := requireBinary(t, "nginx", "nginx", "/usr/sbin/nginx")
	lbPort := freePort(t)
	port := strconv.Itoa(lbPort)
	space, custom := "http://"+spaceHostName+":"+port, "http://"+customHostName+":"+port
	prov := mock.NewServer(t, mock.Config{Clients: []mock.Client{
		{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: []string{space + echohf.CallbackPath}},
	}})
	env := append(realEnv(prov.URL, space), echohf.EnvSpaceHost+"="+spaceHostName+":"+port+","+customHostName+":"+port)
	var ports []int
	for _, name := range []string{"replica-a", "replica-b", "replica-c"} {
		p := freePort(t)
		startSpace(t, spaceBin, name, p, env...)
		ports = append(ports, p)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		t.Fatal(err)
	}
	err = domainsConf.Execute(f, map[string]any{"Dir": dir, "Port": lbPort, "Ports": ports, "Space": spaceHostName, "Custom": customHostName,
		"LoginPath": echohf.LoginPath, "CallbackPath": echohf.CallbackPath, "HandoffPath": echohf.HandoffPath})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	p := startProc(t, "nginx", nginx, []string{"-e", filepath.Join(dir, "error.log"), "-p", dir + "/", "-c", conf}, []string{"PATH=/usr/sbin:/usr/bin:/bin"})
	waitHTTP(t, p, baseURL(lbPort)+"/_nginx_ready", func(r *http.Response) bool { return r.StatusCode == http.StatusNoContent })

	b := newBrowser(t)
	mark := b.mark()
	b.open(custom + "/?tab=custom")
	if b.has("#username") {
		t.Fatal("signed in before signing in")
	}
	b.click("signin")
	// The click's navigation ends on the handoff page; its form posts on.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.HasPrefix(b.location(), custom+"/") || !b.has("#username") {
		if time.Now().After(deadline) {
			t.Fatalf("not signed in on %s: the browser is at %s; hops %v", custom, b.location(), b.since(mark))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, want := b.location(), custom+"/?tab=custom"; got != want {
		t.Errorf("after sign-in the browser is at %s; want the page it started from, %s", got, want)
	}
	if got := b.text("username"); got != "@mockuser" {
		t.Errorf("#username = %q; want @mockuser", got)
	}
	hops := b.since(mark)
	served := map[string]string{}
	for _, h := range hops {
		switch {
		case strings.HasPrefix(h.URL, custom+echohf.LoginPath) && h.Status == http.StatusFound:
			served["login"] = h.Instance
		case strings.HasPrefix(h.URL, space+echohf.CallbackPath) && h.Status == http.StatusOK:
			served["callback"] = h.Instance
		case h.URL == custom+echohf.HandoffPath && h.Status == http.StatusSeeOther:
			served["handoff"] = h.Instance
		}
	}
	t.Logf("login on %s served by %s, callback on %s by %s, handoff on %s by %s", customHostName, served["login"], spaceHostName, served["callback"], customHostName, served["handoff"])
	if served["login"] == "" || served["callback"] == "" || served["handoff"] == "" ||
		served["login"] == served["callback"] || served["callback"] == served["handoff"] || served["login"] == served["handoff"] {
		t.Errorf("login, callback and handoff served by %v; want three replicas; hops %v", served, hops)
	}
	// SPACE_HOST makes the cookies Secure, so the session cookie is
	// __Host-hf_session (Chromium takes Secure cookies from *.localhost).
	sessionOn := func(u string) *network.Cookie {
		for _, c := range b.cookies(u) {
			if c.Name == "__Host-hf_session" {
				return c
			}
		}
		return nil
	}
	if c := sessionOn(custom); c == nil || !c.Secure || !c.HTTPOnly || c.SameSite != network.CookieSameSiteNone || c.Domain != customHostName {
		t.Errorf("session cookie on %s: %+v; want a host-only Secure HttpOnly SameSite=None cookie", custom, c)
	}
	if c := sessionOn(space); c != nil {
		t.Errorf("a session cookie on %s: the sign-in belongs to %s", space, custom)
	}
	b.open(custom + "/private")
	if got := b.location(); got != custom+"/private" || b.text("username") != "@mockuser" {
		t.Errorf("/private on %s: at %s, #username %q; want it served signed in", customHostName, got, b.text("username"))
	}

	// The Space's own host: sign-in there works as before, with no handoff.
	mark = b.mark()
	b.open(space + "/private")
	if got := b.location(); got != space+"/private" || b.text("username") != "@mockuser" {
		t.Errorf("/private on %s: at %s; want it signed in after a login there", spaceHostName, got)
	}
	for _, h := range b.since(mark) {
		if strings.Contains(h.URL, echohf.HandoffPath) {
			t.Errorf("a handoff on the Space's own host: %v", h)
		}
	}

	// Nothing of the handoff in a URL: the browser's history, every
	// request the tab made, and nginx's access log (request lines and
	// Referers).
	hist, err := chromedp.Call(b.ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, e := range hist.Entries {
		urls = append(urls, e.URL)
	}
	t.Logf("history: %v", urls)
	for _, u := range urls {
		if strings.Contains(u, echohf.HandoffPath) || strings.Contains(u, "handoff=") {
			t.Errorf("the handoff shows in the browser's history: %s", u)
		}
	}
	for _, u := range b.requested() {
		if strings.Contains(u, "handoff=") {
			t.Errorf("the handoff shows in a URL the browser requested: %s", u)
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	var handoffLines int
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		if strings.Contains(line, echohf.HandoffPath) {
			handoffLines++
			if want := customHostName + ` "POST ` + echohf.HandoffPath + ` HTTP/1.1" 303 "-"`; line != want {
				t.Errorf("access log: %q; want %q (no query, no Referer)", line, want)
			}
		}
		if strings.Contains(line, "handoff=") || strings.HasPrefix(line, customHostName) && strings.Contains(line, echohf.CallbackPath) {
			t.Errorf("access log line carries the handoff or the callback URL: %s", line)
		}
	}
	if handoffLines != 1 {
		t.Errorf("%d handoff POSTs in the access log; want 1:\n%s", handoffLines, log)
	}
}

// Package e2e holds the end-to-end tests of echohf: examples/space driven
// by a real browser (Debian's Chromium, headless, through chromedp) in
// real mode against the mock provider and in mock mode, and three replicas
// of it behind a real load balancer (Debian's nginx), across which a session
// of 5-second tokens is refreshed, then logged out.
//
// The longer checks (the session lifecycle with refresh, revalidation and
// logout; key rotation; a chunked session through nginx; the pages) run on
// examples/space5 too, the same app on Echo v5 (echohf5): each is a
// subtest per app (forEachSpace). The same browser, nginx and
// three-replica flow (sign-in across replicas, staying signed in on each,
// logout) and the mock-mode sign-in also run on each Echo adapter:
// examples/hello (Echo v4, echohf) and examples/hello5 (Echo v5, echohf5),
// which serve the same routes (adapters_test.go).
//
// A Space with a custom domain (domains_test.go): SPACE_HOST lists
// space.localhost and custom.localhost (Chromium resolves *.localhost to
// loopback itself), nginx serves both names in front of three replicas, and
// a sign-in from custom.localhost ends there through the handoff.
//
// The revocation feed on Redis (revocation_test.go): a real redis-server,
// started by the test on a free port, and three replicas of
// examples/space given the same ECHOHF_REDIS_URL (with a key prefix)
// behind nginx. A logout on one replica makes a copy of the cookie
// refused on the other two within one second, and "Log out all devices"
// in one browser logs a second browser (another cookie jar) out within
// one second; a control row without the feed shows the copies still
// accepted there for that second. With ECHOHF_REDIS=1 (CI) a missing
// redis-server fails the test; without it, the feed row skips
// (apt-get install -y redis-server).
//
// The package has no code of its own: everything is in its _test.go files.
// The tests build examples/space, space5, hello and hello5 once, start every process they need
// (the app instances, nginx, Chromium) themselves, on loopback only, each
// with a time bound, and end them by PID when they finish.
//
// Where Chromium or nginx is missing the tests skip with a message saying
// what to install:
//
//	apt-get install -y chromium nginx
//
// With ECHOHF_E2E=1 in the environment (as CI sets it), a missing binary
// fails the tests instead, so that they cannot silently stop running:
//
//	ECHOHF_E2E=1 go test -race ./examples/e2e/
//
// The pages are saved as screenshots/space-*.png (space5-*.png for the
// Echo v5 app) at the root of the
// repository (an ignored folder) for a person to look at: logged out and
// logged in, in mock and real mode, the members page, and a user whose
// pictures are broken, huge or missing (space-any-picture.png).
package e2e

// Package hfredis shares echohf's logouts between replicas through Redis:
// an hfauth.RevocationFeed. A logout on one replica is refused on every
// other one within milliseconds, and "log out all my devices"
// (OAuth.LogoutEverywhere) reaches every replica, while Auth still never
// waits on the network: each replica keeps the revocations in memory, fed
// by Redis pub/sub as they happen and by a durable sorted set (scored by
// when the revoked cookies end) read on start and after every reconnect.
//
// Two ways to turn it on. From the environment: import the package for
// its side effect, and set ECHOHF_REDIS_URL (redis:// or rediss://, with
// an optional password, TLS for rediss):
//
//	import _ "github.com/echohf/echohf/hfredis"
//
// In code: New(Config{...}) and put the Feed in the RevocationFeed field
// of the Config (hfauth, echohf or echohf5).
//
// The Feed also coordinates refreshes (hfauth.RefreshCoordinator): one
// replica refreshes a session while the others wait for the renewed
// session it leaves in Redis, so that the single-use refresh token is
// spent once.
//
// Redis holds only keyed digests of sign-ins and users and the times they
// end, and for 30 seconds after each refresh the renewed session sealed
// under the session keys: no token or cookie in clear, no user id.
// Whoever can write to it can at most log people out. When Redis is unreachable the feed fails open by
// default (sessions are still verified by their signature; a loud log
// line, and Err reports it) or, with FailClosed, refuses every session
// until it is back. See docs/revocation.md.
package hfredis

// Package jwtstore keeps stateless sessions in signed JWT cookies: no server-side store, so
// any replica can verify any request.
//
// A [Store] is generic over the caller's claims type. [Store.Save] marshals the claims with
// encoding/json into a standard compact JWS (HS256, signed through
// github.com/golang-jwt/jwt/v5, header {"alg":"HS256","kid":...,"typ":"JWT"}) and sets it
// as an HttpOnly cookie; [Store.Load] verifies and decodes it; [Store.Clear] expires it.
//
//	type Session struct {
//		User string `json:"u"`
//	}
//
//	store, err := jwtstore.New[Session](jwtstore.Options{
//		Name:    "session",
//		Purpose: "session",
//		Keys:    []jwtstore.Key{{Secret: secret}},
//	})
//	...
//	err = store.Save(w, r, Session{User: "ada"}, time.Now().Add(8*time.Hour))
//	...
//	sess, err := store.Load(r)
//	if errors.Is(err, jwtstore.ErrNoSession) {
//		// logged out: no cookie, invalid, or expired
//	}
//
// # Keys, purposes and rotation
//
// Each [Key] secret is expanded with HKDF-SHA256 under a label holding a format version and
// the store's Purpose, so two stores built from one secret for different purposes (say
// "session" and "login") never accept each other's tokens; each token also carries
// aud "jwtstore:"+Purpose, checked on Load. Keys[0] signs; every key of the ring verifies,
// selected by the kid in the JWT header. To rotate, put the new key first and keep the old
// one after it until the sessions it signed have expired, then remove it.
//
// # Cookies and chunks
//
// Cookies are HttpOnly, Secure unless Options.Insecure, SameSite Lax by default, with
// optional Partitioned, Domain, Path and the "__Host-" name prefix. A browser drops a cookie
// whose Set-Cookie value exceeds [CookieLimit] bytes; a larger token is compressed (see
// below) and, if it still does not fit, split into chunk cookies Name()+".0",
// Name()+".1", ... where chunk 0's value starts with the chunk count and "~" (for example
// "3~eyJhbGci..."), so a missing chunk is detected. Save and Clear expire stale cookies
// left by an earlier save. Chunk names with an index of [MaxChunks] or more are not a
// store's: Load skips them and nothing expires them, so whatever a request carries, a
// response gets at most 1+MaxChunks expiring lines for one store.
//
// # Sub views
//
// [Store.Sub] gives a view whose cookie is Name()+"_"+id, for example one login cookie per
// browser tab; its tokens are bound to the id. [Store.ReadSubs] reads the cookies of all
// the views a request carries in one pass over its Cookie header, keeping a bounded number
// of ids, so a request stuffed with forged views costs no more than one with a few.
//
// # Compression
//
// A token whose single cookie would exceed CookieLimit gets its payload JSON compressed with
// raw DEFLATE (RFC 1951, compress/flate) when that makes it shorter, and then carries the
// header {"alg":"HS256","kid":...,"typ":"JWT","zip":"DEF"}; the signature covers the header
// and the compressed payload. A session that fits in one cookie is never compressed. Load
// verifies the signature before inflating anything, and refuses a payload that inflates
// beyond 1 MiB (Save never compresses a larger one) or has any byte after the end of its
// DEFLATE stream. A realistic Hugging Face session with 100 orgs goes from 11 cookies to 3.
//
// # Sealing
//
// Claims are signed, not encrypted: anyone holding the cookie can read them. A [Sealer]
// encrypts a bearer credential with AES-256-GCM so it can ride inside the claims unreadable.
package jwtstore

package jwtstore

import (
	"fmt"
	"strings"
)

// find returns the token carried by this store's cookie or chunk cookies in the Cookie
// header lines. It refuses a token longer than MaxSize, and a single cookie longer than
// CookieLimit (Save would have chunked it).
func (s *Store[C]) find(lines []string) (string, error) {
	var p pieces
	eachCookie(lines, func(name, raw string) bool {
		if idx, ok := s.match(name); ok {
			return p.add(idx, cookieValue(raw))
		}
		return true
	})
	return p.token(s.o.MaxSize)
}

// match reports whether a cookie name is ours: -1 for the single cookie, the index for a
// chunk (canonical decimal, below MaxChunks).
func (s *Store[C]) match(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, s.name)
	if !ok {
		return 0, false
	}
	return chunkIndex(rest)
}

// eachCookie calls fn for every cookie of the Cookie header lines, parsed with the
// leniency of net/http's readCookies (several lines, optional spaces, empty parts) but
// without allocating. fn gets the cookie's name, trimmed, and its raw value: callers pass
// the values they keep through cookieValue, so a long value they skip costs no more than
// the search for the ';' after it. fn returns false to stop.
func eachCookie(lines []string, fn func(name, raw string) bool) {
	for _, line := range lines {
		for len(line) > 0 {
			var part string
			if i := strings.IndexByte(line, ';'); i >= 0 {
				part, line = line[:i], line[i+1:]
			} else {
				part, line = line, ""
			}
			name, raw := part, ""
			if i := strings.IndexByte(part, '='); i >= 0 {
				name, raw = part[:i], part[i+1:]
			}
			if name = trimSpace(name); name == "" {
				continue
			}
			if !fn(name, raw) {
				return
			}
		}
	}
}

// cookieValue returns a raw value from eachCookie trimmed, with surrounding quotes removed.
// It is not otherwise validated.
func cookieValue(raw string) string {
	val := trimSpace(raw)
	if len(val) > 1 && val[0] == '"' && val[len(val)-1] == '"' {
		val = val[1 : len(val)-1]
	}
	return val
}

// chunkIndex parses what follows a store's cookie name in a cookie name: nothing for the
// single cookie (-1), or "." and a chunk index in canonical decimal. Only indexes below
// MaxChunks are a store's: no Save writes others, so they are not ours to read or expire.
func chunkIndex(rest string) (int, bool) {
	if rest == "" {
		return -1, true
	}
	if rest[0] != '.' {
		return 0, false
	}
	d := rest[1:]
	if len(d) == 0 || len(d) > 2 || (d[0] == '0' && len(d) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return 0, false
		}
		n = n*10 + int(d[i]-'0')
	}
	return n, n < MaxChunks
}

// pieces collects what a request carries under one cookie name: the single cookie and the
// chunks, by index.
type pieces struct {
	single    string
	hasSingle bool
	chunks    [MaxChunks]string
	mask      uint64 // bit i: chunk i is present
	bad       error  // a duplicated cookie
}

// add records the value of the single cookie (idx -1) or of chunk idx. A second cookie of
// the same name makes the whole invalid. add reports whether the pieces are still valid.
func (p *pieces) add(idx int, val string) bool {
	dup := false
	if idx < 0 {
		dup = p.hasSingle
		p.single, p.hasSingle = val, true
	} else {
		dup = p.mask&(1<<idx) != 0
		p.chunks[idx], p.mask = val, p.mask|1<<idx
	}
	if dup && p.bad == nil {
		p.bad = fmt.Errorf("%w: duplicated cookie", ErrInvalid)
	}
	return p.bad == nil
}

// token returns the token the pieces carry. It refuses a token longer than maxSize, and a
// single cookie longer than CookieLimit (Save would have chunked it).
func (p *pieces) token(maxSize int) (string, error) {
	switch {
	case p.bad != nil:
		return "", p.bad
	case !p.hasSingle && p.mask == 0:
		return "", ErrNoSession
	case p.hasSingle && p.mask != 0:
		return "", fmt.Errorf("%w: single cookie and chunks together", ErrInvalid)
	case p.hasSingle:
		if len(p.single) > min(CookieLimit, maxSize) {
			return "", fmt.Errorf("%w: cookie too long", ErrInvalid)
		}
		return p.single, nil
	}
	c0 := p.chunks[0]
	sep := strings.IndexByte(c0, chunkSep)
	if p.mask&1 == 0 || sep < 1 || sep > 2 || c0[0] == '0' {
		return "", fmt.Errorf("%w: missing or malformed first chunk", ErrInvalid)
	}
	n := 0
	for _, d := range []byte(c0[:sep]) {
		if d < '0' || d > '9' {
			return "", fmt.Errorf("%w: malformed first chunk", ErrInvalid)
		}
		n = n*10 + int(d-'0')
	}
	if n < 2 || n > MaxChunks {
		return "", fmt.Errorf("%w: bad chunk count", ErrInvalid)
	}
	if p.mask != 1<<n-1 {
		return "", fmt.Errorf("%w: missing or extra chunks", ErrInvalid)
	}
	size := len(c0) - sep - 1
	for i := 1; i < n; i++ {
		size += len(p.chunks[i])
	}
	if size > maxSize {
		return "", fmt.Errorf("%w: token too long", ErrInvalid)
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(c0[sep+1:])
	for i := 1; i < n; i++ {
		b.WriteString(p.chunks[i])
	}
	return b.String(), nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

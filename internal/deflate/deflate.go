// Package deflate is the raw DEFLATE (RFC 1951) codec that jwtstore's compressed tokens
// and hfauth's session wire form share: pooled writers and readers, since flate allocates
// hundreds of kilobytes of tables per writer and a 32 KB window per reader, and an inflate
// bounded by a limit the caller gives, for input that may be hostile.
package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"slices"
	"sync"
)

// Level is the DEFLATE level Compress uses.
const Level = flate.BestCompression

// maxPooledOut is the largest output buffer a Reader keeps when it goes back to the
// pool; a larger one is dropped, so that one big inflate does not pin its memory.
const maxPooledOut = 64 << 10

var (
	// ErrTooLarge reports a stream that inflates beyond the caller's limit.
	ErrTooLarge = errors.New("deflate: output over the limit")
	// ErrTrailing reports bytes after the end of the DEFLATE stream.
	ErrTrailing = errors.New("deflate: data after the stream")
)

// writer is a pooled DEFLATE writer and its output buffer.
type writer struct {
	w   *flate.Writer
	out bytes.Buffer
}

var writers = sync.Pool{New: func() any {
	d := new(writer)
	w, err := flate.NewWriter(&d.out, Level)
	if err != nil {
		panic(err) // Level is a valid level
	}
	d.w = w
	return d
}}

// Compress returns raw DEFLATE of b at Level, in a slice of its own.
func Compress(b []byte) ([]byte, error) {
	d := writers.Get().(*writer)
	defer writers.Put(d)
	d.out.Reset()
	d.w.Reset(&d.out)
	if _, err := d.w.Write(b); err != nil {
		return nil, err
	}
	if err := d.w.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(d.out.Bytes()), nil
}

// Reader is a pooled DEFLATE reader and its output buffer. Get one with NewReader and
// give it back with Release once its output is no longer used.
type Reader struct {
	src bytes.Reader // an io.ByteReader, so flate reads no byte past the stream's end
	r   io.ReadCloser
	out []byte
}

var readers sync.Pool

// NewReader returns a Reader from the pool, or a new one.
func NewReader() *Reader {
	if z, ok := readers.Get().(*Reader); ok {
		return z
	}
	return new(Reader)
}

// Release returns z to the pool; z and the slices Inflate returned must not be used after.
func (z *Reader) Release() {
	if cap(z.out) > maxPooledOut {
		z.out = nil
	}
	readers.Put(z)
}

// Inflate decompresses the raw DEFLATE stream b into z's buffer, which it returns (valid
// until z is reused or released). It fails with ErrTooLarge when the output would exceed
// limit bytes (after allocating at most about twice limit), with ErrTrailing when any byte
// follows the end of the stream, and with flate's error when the stream is corrupt or
// truncated.
func (z *Reader) Inflate(b []byte, limit int) ([]byte, error) {
	z.src.Reset(b)
	if z.r == nil {
		z.r = flate.NewReader(&z.src)
	} else if err := z.r.(flate.Resetter).Reset(&z.src, nil); err != nil {
		return nil, err
	}
	out := z.out[:0]
	for {
		if len(out) == cap(out) { // len(out) <= limit here: checked after every Read
			out = slices.Grow(out, min(max(cap(out), 4096), limit+1-len(out))) // doubling
		}
		n, err := z.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > limit {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	z.out = out
	if z.src.Len() != 0 {
		return nil, ErrTrailing
	}
	return out, nil
}

package b64url

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

var std = base64.RawURLEncoding.Strict()

func TestAppendDecode(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGH", 5) // 230 letters
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"", true},
		{"QQ", true},
		{"QUI", true},
		{"QUJD", true},
		{long[:228], true},
		{long[:229], false}, // 1 more than a multiple of 4
		{long[:226] + "QQ", true},
		{"QR", false},                           // unused bits set
		{"QUJ", false},                          // unused bits set
		{"QQ==", false},                         // padding
		{"QUJD\nRUZH", false},                   // a line break, which encoding/base64 skips
		{"QUJD\r", false},                       // a carriage return
		{"QUJD+/8A", false},                     // the standard alphabet's letters
		{long[:100] + "." + long[:99], false},   // a dot in the 16-letter loop
		{long[:200] + "!" + long[:3], false},    // a bad letter in the 4-letter loop
		{long[:202] + "\x80" + long[:1], false}, // a bad byte in the tail
		{strings.Repeat("_", 64) + "\xff" + "AAA", false}, // 0xff
	} {
		got, ok := AppendDecode([]byte("pre"), tt.in)
		if ok != tt.ok {
			t.Errorf("AppendDecode(%q) ok = %v; want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			if string(got) != "pre" {
				t.Errorf("AppendDecode(%q) failed but returned %q; want the prefix", tt.in, got)
			}
			continue
		}
		want, err := std.DecodeString(tt.in)
		if err != nil || !bytes.Equal(got[3:], want) || string(got[:3]) != "pre" {
			t.Errorf("AppendDecode(%q) = %x; encoding/base64 %x, %v", tt.in, got, want, err)
		}
		if n := DecodedLen(len(tt.in)); n != len(want) {
			t.Errorf("DecodedLen(%d) = %d; want %d", len(tt.in), n, len(want))
		}
	}
}

// FuzzAppendDecode is the differential test of AppendDecode against
// encoding/base64's strict unpadded base64url, for bytes and strings alike.
func FuzzAppendDecode(f *testing.F) {
	for _, s := range []string{"", "QQ", "QR", "QUJD", "QUJDRUZHSElKS0xNTk9QUVJTVFVWV1hZWg", "QUJD\nRUZH", "a-_b"} {
		f.Add([]byte(s), 0)
	}
	f.Fuzz(func(t *testing.T, src []byte, room int) {
		dst := make([]byte, 1, 1+int(uint(room)%64)) // a little room or none, so both paths run
		got, ok := AppendDecode(dst, src)
		gotS, okS := AppendDecode(nil, string(src))
		want, err := std.DecodeString(string(src))
		if bytes.ContainsAny(src, "\r\n") {
			err = base64.CorruptInputError(0) // refused here, skipped there
		}
		if ok != (err == nil) || okS != ok {
			t.Fatalf("AppendDecode(%q) ok = %v (string %v); encoding/base64: %v", src, ok, okS, err)
		}
		if ok && (!bytes.Equal(got[1:], want) || !bytes.Equal(gotS, want) || len(want) != DecodedLen(len(src))) {
			t.Fatalf("AppendDecode(%q) = %x, %x; encoding/base64 %x", src, got[1:], gotS, want)
		}
		if !ok && len(got) != 1 {
			t.Fatalf("AppendDecode(%q) failed and left %d bytes; want dst as it was", src, len(got))
		}
	})
}

func BenchmarkAppendDecode(b *testing.B) {
	src := []byte(base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte("a session's claims "), 93)))
	dst := make([]byte, 0, len(src))
	b.Run("b64url", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, ok := AppendDecode(dst[:0], src); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("baseline=encoding/base64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, err := std.AppendDecode(dst[:0], src); err != nil {
				b.Fatal(err)
			}
		}
	})
}

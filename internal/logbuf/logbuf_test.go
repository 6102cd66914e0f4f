package logbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestBuffer(t *testing.T) {
	t.Parallel()
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { _, _ = fmt.Fprintf(&b, "line %d\n", i) })
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 8 {
		t.Fatalf("%d lines after 8 concurrent writes: %q", n, b.String())
	}
	if got := b.Take(); strings.Count(got, "line") != 8 || b.String() != "" {
		t.Fatalf("Take = %q, then String = %q; want the 8 lines, then nothing", got, b.String())
	}
}

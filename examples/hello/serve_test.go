package main

import (
	"net"
	"testing"

	"github.com/echohf/echohf/examples/internal/exampletest"
)

func TestListenAddr(t *testing.T) {
	tests := []struct {
		host, port, want string
	}{
		{"", "", ":7860"},
		{"", "8080", ":8080"},
		{"127.0.0.1", "0", "127.0.0.1:0"},
		{"::1", "7860", "[::1]:7860"},
	}
	for _, tt := range tests {
		env := map[string]string{"HOST": tt.host, "PORT": tt.port}
		if got := listenAddr(func(k string) string { return env[k] }); got != tt.want {
			t.Errorf("listenAddr(HOST=%q, PORT=%q) = %q; want %q", tt.host, tt.port, got, tt.want)
		}
	}
}

func TestBrowsable(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"[::]:7860", "http://localhost:7860"},
		{"0.0.0.0:7860", "http://localhost:7860"},
		{"127.0.0.1:41234", "http://127.0.0.1:41234"},
		{"[::1]:80", "http://[::1]:80"},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := browsable(a); got != tt.want {
			t.Errorf("browsable(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestHelloStopsCleanly checks that SIGTERM (what a Space or a test sends)
// shuts the server down gracefully with exit status 0.
func TestHelloStopsCleanly(t *testing.T) {
	p := exampletest.Start(t, bin)
	if err := p.Stop(); err != nil {
		t.Errorf("hello after SIGTERM: %v; want a clean exit", err)
	}
}

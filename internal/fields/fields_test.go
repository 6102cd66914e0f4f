package fields

import (
	"reflect"
	"strings"
	"testing"
)

func TestCopy(t *testing.T) {
	type src struct {
		A    string
		B    int
		Skip func()
	}
	type dst struct {
		B    int
		A    string
		Skip func(int)
	}
	type short struct{ A string }
	type wrongType struct {
		A string
		B int64
	}
	in := src{A: "a", B: 2, Skip: func() {}}

	var out dst
	if err := Copy(reflect.ValueOf(&out).Elem(), reflect.ValueOf(in), "Skip"); err != nil || out.A != "a" || out.B != 2 || out.Skip != nil {
		t.Errorf("Copy to dst = %+v, %v; want A, B copied and Skip left", out, err)
	}
	tests := []struct {
		name string
		dst  any
		want string
	}{
		{"missing field", &short{}, "no field B"},
		{"other type", &wrongType{}, "no field B of type int"},
		{"not a struct", new(int), "not both structs"},
	}
	for _, tt := range tests {
		err := Copy(reflect.ValueOf(tt.dst).Elem(), reflect.ValueOf(in), "Skip")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Copy = %v; want an error with %q", tt.name, err, tt.want)
		}
	}
	var all dst
	if err := Copy(reflect.ValueOf(&all).Elem(), reflect.ValueOf(in), ""); err == nil {
		t.Error("Copy with Skip not skipped, of another type: no error")
	}
}

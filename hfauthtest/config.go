package hfauthtest

import (
	"fmt"
	"reflect"

	"github.com/echohf/echohf/internal/fields"
)

// ConfigAs returns k.Config() as the Config type C of an adapter, such as
// echohf5.Config or echohf.Config, for an app whose constructor takes one:
//
//	oauth, err := echohf5.New(hfauthtest.ConfigAs[echohf5.Config](kit))
//
// An adapter's Config lists hfauth.Config's fields, and each of C's gets
// the value of its namesake. The Skipper, whose type is the framework's,
// is left zero (set it on the result) unless C's has hfauth.Config's type.
// It fails the test when C is not a struct holding every other field of
// hfauth.Config with the same type, or when the Kit's Config has a Skipper
// that C cannot hold, rather than drop a setting the test made.
func ConfigAs[C any](k *Kit) C {
	k.t.Helper()
	var out C
	if err := copyConfig(reflect.ValueOf(&out).Elem(), reflect.ValueOf(k.Config())); err != nil {
		k.t.Fatalf("hfauthtest.ConfigAs[%T]: %v", out, err)
	}
	return out
}

// copyConfig sets each field of dst, a struct, to the field of the same
// name of src, an hfauth.Config; see ConfigAs.
func copyConfig(dst, src reflect.Value) error {
	if dst.Kind() != reflect.Struct {
		return fmt.Errorf("%s is not an adapter's Config struct", dst.Type())
	}
	if err := fields.Copy(dst, src, "Skipper"); err != nil {
		return fmt.Errorf("%w; ConfigAs converts to an adapter's Config", err)
	}
	skip := src.FieldByName("Skipper")
	d, ok := dst.Type().FieldByName("Skipper")
	switch {
	case ok && len(d.Index) == 1 && d.IsExported() && skip.Type().AssignableTo(d.Type):
		dst.FieldByIndex(d.Index).Set(skip)
	case !skip.IsNil():
		return fmt.Errorf("the Kit's Config has a Skipper, which %s cannot hold; set the adapter's Skipper on the result instead", dst.Type())
	}
	return nil
}

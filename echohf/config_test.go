package echohf

import (
	"reflect"
	"testing"

	"github.com/echohf/echohf/hfauth"
)

// TestConfigMatchesCore: echohf.Config lists hfauth.Config's fields, with
// the same names and types in the same order, plus Echo's Skipper first, so
// the two cannot drift apart (mustCopy converts between them by name).
func TestConfigMatchesCore(t *testing.T) {
	t.Parallel()
	fields := func(typ reflect.Type) []reflect.StructField {
		var out []reflect.StructField
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() && f.Name != "Skipper" {
				out = append(out, f)
			}
		}
		return out
	}
	ours, core := fields(reflect.TypeFor[Config]()), fields(reflect.TypeFor[hfauth.Config]())
	for i := range max(len(ours), len(core)) {
		switch {
		case i >= len(ours):
			t.Errorf("hfauth.Config.%s (%s) is missing from echohf.Config", core[i].Name, core[i].Type)
		case i >= len(core):
			t.Errorf("echohf.Config.%s (%s) is not in hfauth.Config", ours[i].Name, ours[i].Type)
		case ours[i].Name != core[i].Name || ours[i].Type != core[i].Type:
			t.Errorf("field %d: echohf.Config.%s %s; hfauth.Config.%s %s", i, ours[i].Name, ours[i].Type, core[i].Name, core[i].Type)
		}
	}
	if f, ok := reflect.TypeFor[Config]().FieldByName("Skipper"); !ok || f.Index[0] != 0 {
		t.Error("echohf.Config has no Skipper as its first field")
	}
	if t.Failed() {
		return // mustCopy would panic on a missing field
	}
	// A round trip through the core keeps every field.
	in := Config{Prefix: "/p", SpaceID: "a/b", Scopes: []string{"openid"}, SessionMaxAge: 7, AcceptBearer: true, HFToken: "hf_x"}
	var out Config
	mustCopy(&out, in.core())
	if !reflect.DeepEqual(out, in) {
		t.Errorf("Config through hfauth.Config = %+v; want %+v", out, in)
	}
}

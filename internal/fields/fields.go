// Package fields copies a struct's fields into another struct's fields of
// the same names: how the adapters' Config types, which list hfauth.Config's
// fields with a framework's own Skipper, convert to and from the core's.
package fields

import (
	"fmt"
	"reflect"
)

// Copy sets each field of dst to the field of the same name of src, both
// structs, except the field named skip. It fails, having copied the fields
// before, when dst has no exported field of that name that src's value can
// be assigned to.
func Copy(dst, src reflect.Value, skip string) error {
	if dst.Kind() != reflect.Struct || src.Kind() != reflect.Struct {
		return fmt.Errorf("%s and %s are not both structs", dst.Type(), src.Type())
	}
	st := src.Type()
	for i := range st.NumField() {
		f := st.Field(i)
		if f.Name == skip {
			continue
		}
		d, ok := dst.Type().FieldByName(f.Name)
		if !ok || len(d.Index) != 1 || !d.IsExported() || !f.Type.AssignableTo(d.Type) {
			return fmt.Errorf("%s has no field %s of type %s, as %s has", dst.Type(), f.Name, f.Type, st)
		}
		dst.FieldByIndex(d.Index).Set(src.Field(i))
	}
	return nil
}

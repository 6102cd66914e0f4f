package jsonobj

// This file holds Decode: encoding/json's Unmarshal for plain structs of
// strings, bools, integers, pointers and slices, in the same subset as
// Members, declining everything else.

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// plan is how Decode fills a value of one type; nil when it does not.
type plan struct {
	kind   reflect.Kind
	elem   *plan   // pointer and slice elements
	fields []field // struct fields, by JSON name
}

// field is one JSON member of a struct.
type field struct {
	name  string
	index int
	p     *plan
}

// plans caches the plan of each type (a nil *plan for a type Decode declines).
var plans sync.Map

// maxFields bounds a struct's fields, so that each member's field is
// remembered in one bit (a duplicate key is declined).
const maxFields = 64

// Decode decodes the JSON value data into v, a settable zero value, as
// json.Unmarshal would, and reports true; or reports false, v possibly
// partly set, when data or v's type is outside its subset: then the caller
// must decode into a fresh value with encoding/json. The subset is that of
// Members (compact JSON, strings of printable ASCII without escapes, no
// key twice in an object, no null) with each key spelled exactly as a
// field's JSON name, into structs whose fields are strings, bools, signed
// integers, pointers, slices and such structs, without embedded fields,
// ",string" tags or custom unmarshalers.
func Decode(data []byte, v reflect.Value) bool {
	p := planOf(v.Type(), 0)
	return p != nil && decode(data, v, p, 0) == len(data)
}

func planOf(t reflect.Type, depth int) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := build(t, depth)
	if depth == 0 {
		plans.Store(t, p)
	}
	return p
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// build makes t's plan, or nil. depth bounds recursive types.
func build(t reflect.Type, depth int) *plan {
	if depth > maxDepth || t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	p := &plan{kind: t.Kind()}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return p
	case reflect.Pointer, reflect.Slice:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 { // base64 in encoding/json
			return nil
		}
		if p.elem = planOf(t.Elem(), depth+1); p.elem == nil {
			return nil
		}
		return p
	case reflect.Struct:
		if t.NumField() > maxFields {
			return nil
		}
		seen := map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				return nil
			}
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if opts != "" && opts != "omitempty" && opts != "omitzero" || !validName(name) {
				return nil
			}
			if name == "" {
				name = f.Name
			}
			if seen[strings.ToLower(name)] { // encoding/json's rules for a clash differ
				return nil
			}
			seen[strings.ToLower(name)] = true
			fp := planOf(f.Type, depth+1)
			if fp == nil {
				return nil
			}
			p.fields = append(p.fields, field{name: name, index: i, p: fp})
		}
		return p
	}
	return nil
}

// validName reports whether a tag's name is one encoding/json takes as it
// is ("" stands for the field's name): printable ASCII without quotes or
// backslashes, as Members' keys.
func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !plain[name[i]] {
			return false
		}
	}
	return true
}

// decode decodes the value at data[i] into v by p and returns its end, or -1.
func decode(data []byte, v reflect.Value, p *plan, i int) int {
	end := skip(data, i, 0)
	if end < 0 {
		return -1
	}
	val := data[i:end]
	switch p.kind {
	case reflect.String:
		s, ok := String(val)
		if !ok {
			return -1
		}
		v.SetString(s)
	case reflect.Bool:
		switch string(val) {
		case "true":
			v.SetBool(true)
		case "false":
		default:
			return -1
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := Int(val)
		if !ok || v.OverflowInt(n) {
			return -1
		}
		v.SetInt(n)
	case reflect.Pointer:
		if val[0] == 'n' {
			return -1
		}
		e := reflect.New(v.Type().Elem())
		if decode(data, e.Elem(), p.elem, i) != end {
			return -1
		}
		v.Set(e)
	case reflect.Slice:
		if !decodeSlice(data, v, p, i) {
			return -1
		}
	case reflect.Struct:
		if !decodeStruct(data, v, p, i) {
			return -1
		}
	default:
		return -1
	}
	return end
}

// decodeSlice decodes the array at data[i], which skip has checked.
func decodeSlice(data []byte, v reflect.Value, p *plan, i int) bool {
	if data[i] != '[' {
		return false
	}
	s := reflect.MakeSlice(v.Type(), 0, 0)
	i++
	if data[i] == ']' {
		v.Set(s)
		return true
	}
	for {
		s = reflect.Append(s, reflect.Zero(v.Type().Elem()))
		if i = decode(data, s.Index(s.Len()-1), p.elem, i); i < 0 {
			return false
		}
		if data[i] == ']' {
			v.Set(s)
			return true
		}
		i++ // ','
	}
}

// decodeStruct decodes the object at data[i], which skip has checked.
func decodeStruct(data []byte, v reflect.Value, p *plan, i int) bool {
	if data[i] != '{' {
		return false
	}
	i++
	if data[i] == '}' {
		return true
	}
	var seen uint64
	for {
		j := i + 1
		for plain[data[j]] {
			j++
		}
		if data[j] != '"' { // an escape or a byte beyond ASCII in the key
			return false
		}
		key := data[i+1 : j]
		k := -1
		for x := range p.fields {
			if p.fields[x].name == string(key) {
				k = x
				break
			}
		}
		if k < 0 || seen&(1<<k) != 0 { // unknown, in another case, or twice
			return false
		}
		seen |= 1 << k
		f := &p.fields[k]
		if i = decode(data, v.Field(f.index), f.p, j+2); i < 0 {
			return false
		}
		if data[i] == '}' {
			return true
		}
		i++ // ','
	}
}

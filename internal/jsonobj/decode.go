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
//
// Every string Decode sets is a slice of one copy of data, made once: one
// allocation for all of them, which keeps that copy alive while any of
// them is.
func Decode(data []byte, v reflect.Value) bool {
	p := planOf(v.Type(), 0)
	if p == nil {
		return false
	}
	d := decoder{data: data}
	return d.decode(v, p, 0, 0) == len(data)
}

// decoder is one Decode call: data, and the copy of it that strings slice
// (made at the first string).
type decoder struct {
	data []byte
	all  string
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

// decode decodes the value at data[i] into v by p and returns its end, or
// -1. Each byte is read once: containers are decoded as they are scanned.
func (d *decoder) decode(v reflect.Value, p *plan, i, depth int) int {
	data := d.data
	if i >= len(data) {
		return -1
	}
	switch p.kind {
	case reflect.String:
		end := skip(data, i, depth)
		if end < 0 || data[i] != '"' {
			return -1
		}
		for _, c := range data[i+1 : end-1] {
			if !plain[c] {
				return -1
			}
		}
		if d.all == "" {
			d.all = string(data)
		}
		v.SetString(d.all[i+1 : end-1])
		return end
	case reflect.Bool:
		switch {
		case skipLit(data, i, "true") > 0:
			v.SetBool(true)
			return i + 4
		case skipLit(data, i, "false") > 0:
			return i + 5
		}
		return -1
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		end := skip(data, i, depth)
		if end < 0 {
			return -1
		}
		n, ok := Int(data[i:end])
		if !ok || v.OverflowInt(n) {
			return -1
		}
		v.SetInt(n)
		return end
	case reflect.Pointer:
		if data[i] == 'n' {
			return -1
		}
		e := reflect.New(v.Type().Elem())
		end := d.decode(e.Elem(), p.elem, i, depth)
		if end >= 0 {
			v.Set(e)
		}
		return end
	case reflect.Slice:
		return d.decodeSlice(v, p, i, depth+1)
	case reflect.Struct:
		return d.decodeStruct(v, p, i, depth+1)
	}
	return -1
}

// decodeSlice decodes the array at data[i] and returns its end, or -1.
func (d *decoder) decodeSlice(v reflect.Value, p *plan, i, depth int) int {
	data := d.data
	if data[i] != '[' || depth > maxDepth {
		return -1
	}
	s := reflect.MakeSlice(v.Type(), 0, 4)
	i++
	if i < len(data) && data[i] == ']' {
		v.Set(s)
		return i + 1
	}
	for {
		s = reflect.Append(s, reflect.Zero(v.Type().Elem()))
		if i = d.decode(s.Index(s.Len()-1), p.elem, i, depth); i < 0 || i >= len(data) {
			return -1
		}
		switch data[i] {
		case ']':
			v.Set(s)
			return i + 1
		case ',':
			i++
		default:
			return -1
		}
	}
}

// decodeStruct decodes the object at data[i] and returns its end, or -1.
func (d *decoder) decodeStruct(v reflect.Value, p *plan, i, depth int) int {
	data := d.data
	if data[i] != '{' || depth > maxDepth {
		return -1
	}
	i++
	if i < len(data) && data[i] == '}' {
		return i + 1
	}
	var seen uint64
	for {
		if i >= len(data) || data[i] != '"' {
			return -1
		}
		j := i + 1
		for j < len(data) && plain[data[j]] {
			j++
		}
		if j+1 >= len(data) || data[j] != '"' || data[j+1] != ':' { // an escape or a byte beyond ASCII in the key
			return -1
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
			return -1
		}
		seen |= 1 << k
		f := &p.fields[k]
		if i = d.decode(v.Field(f.index), f.p, j+2, depth); i < 0 || i >= len(data) {
			return -1
		}
		switch data[i] {
		case '}':
			return i + 1
		case ',':
			i++
		default:
			return -1
		}
	}
}

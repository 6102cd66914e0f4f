package jwtstore

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"
)

// wire is what Load decodes a verified payload into: the same JSON fields as envelope, with
// the registered claims checked in place instead of decoded through golang-jwt's
// NumericDate and ClaimStrings (which run a nested json.Unmarshal and allocate per field).
type wire[C any] struct {
	Iss matcher `json:"iss"`
	Aud matcher `json:"aud"`
	Exp numDate `json:"exp"`
	Nbf numDate `json:"nbf"`
	Iat numDate `json:"iat"`
	C   C       `json:"c"`
}

// matcher records whether a JSON value equals one of its expected encodings, byte for byte.
// It never allocates.
type matcher struct {
	want [2][]byte
	ok   bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *matcher) UnmarshalJSON(b []byte) error {
	m.ok = bytes.Equal(b, m.want[0]) || (m.want[1] != nil && bytes.Equal(b, m.want[1]))
	return nil
}

var errBadDate = errors.New("jwtstore: bad NumericDate")

// numDate is a JWT NumericDate (seconds since the epoch, a JSON number).
type numDate struct {
	set bool
	t   time.Time
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *numDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.set = false
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e12 {
		return errBadDate
	}
	sec := math.Floor(f)
	d.set, d.t = true, time.Unix(int64(sec), int64((f-sec)*1e9))
	return nil
}

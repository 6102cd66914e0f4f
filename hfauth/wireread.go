package hfauth

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/echohf/echohf/internal/deflate"
)

// Reading the session's wire form (see wire.go). The decoder only ever sees
// payloads whose signature verified, but it still treats them as hostile:
// every read is bounds-checked, counts are bounded by the bytes left, and
// the first bad read fails the whole user.

// unpacker reads a packed user: bin from its start, text from its start.
type unpacker struct {
	bin  []byte
	text string
	buf  []byte // scratch space for the strings built from bytes
	err  bool   // set by the first failed read; later reads return zero values
}

func (d *unpacker) fail() { d.err, d.bin, d.text = true, nil, "" }

func (d *unpacker) uvarint() uint64 {
	v, n := binary.Uvarint(d.bin)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.bin = d.bin[n:]
	return v
}

// count reads a number of items, each of which takes at least one byte of
// bin, so that a forged count cannot make the decoder allocate.
func (d *unpacker) count() int {
	n := d.uvarint()
	if n > uint64(len(d.bin)) {
		d.fail()
		return 0
	}
	return int(n) //nolint:gosec // G115: n <= len(d.bin), an int
}

func (d *unpacker) str() string {
	n := d.uvarint()
	if n > uint64(len(d.text)) {
		d.fail()
		return ""
	}
	s := d.text[:n]
	d.text = d.text[n:]
	return s
}

// hexID reads n bytes as a hex id.
func (d *unpacker) hexID(n int) string {
	d.buf = d.appendHex(d.buf[:0], n)
	return string(d.buf)
}

// appendHex reads n bytes and appends them to b in hex.
func (d *unpacker) appendHex(b []byte, n int) []byte {
	if len(d.bin) < n {
		d.fail()
		return b
	}
	b = hex.AppendEncode(b, d.bin[:n])
	d.bin = d.bin[n:]
	return b
}

func (d *unpacker) code(table []string) string {
	c := d.uvarint()
	if c == 0 {
		return d.str()
	}
	if c > uint64(len(table)) {
		d.fail()
		return ""
	}
	return table[c-1]
}

// url reads a URL. The forms with binary parts are built in d.buf, so
// that each costs one allocation.
func (d *unpacker) url() string {
	switch tag := d.uvarint(); tag {
	case urlRaw:
		return d.str()
	case urlHub:
		return hubPrefix + d.str()
	case urlAvatar:
		return avatarPrefix + d.str()
	case urlCDN:
		return cdnPrefix + d.str()
	case urlDataSVG:
		return svgDataPrefix + d.str()
	case urlAvatarHex:
		d.buf = append(d.appendHex(append(d.buf[:0], avatarPrefix...), 16), ".svg"...)
	case urlCDNFolder:
		d.buf = append(d.appendHex(append(d.buf[:0], cdnPrefix...), 12), '/')
		d.buf = append(d.buf, d.str()...)
	default:
		ext := tag - urlCDNStamped
		if tag < urlCDNStamped || ext >= uint64(len(wireImageExts)) {
			d.fail()
			return ""
		}
		d.buf = strconv.AppendUint(append(d.buf[:0], cdnPrefix...), d.uvarint(), 10)
		d.buf = append(d.appendHex(append(d.buf, '-'), 12), wireImageExts[ext]...)
	}
	return string(d.buf)
}

// sub reads an id, packed as bytes when hex says so.
func (d *unpacker) sub(hex bool) string {
	if hex {
		return d.hexID(12)
	}
	return d.str()
}

// unpackUser decodes blob into u. Every value is read from bounds-checked
// slices, so no input makes it panic or allocate beyond a small multiple of
// its size (maxWireText for compressed text).
func unpackUser(blob []byte, u *OAuthUserInfo) error {
	if len(blob) == 0 || blob[0] != wireText && blob[0] != wireZip {
		return errWire
	}
	n, k := binary.Uvarint(blob[1:])
	if k <= 0 {
		return errWire
	}
	rest := blob[1+k:]
	if n > uint64(len(rest)) {
		return errWire
	}
	d := unpacker{bin: rest[:n]}
	if blob[0] == wireZip {
		text, err := inflateText(rest[n:])
		if err != nil {
			return errWire
		}
		d.text = text
	} else {
		d.text = string(rest[n:]) // one allocation that every string shares
	}

	flags := d.uvarint()
	*u = OAuthUserInfo{
		Sub:               d.sub(flags&userHexSub != 0),
		Name:              d.str(),
		PreferredUsername: d.str(),
		Picture:           d.url(),
		Profile:           d.url(),
		IsPro:             flags&userPro != 0,
	}
	if flags&userEmailVerifiedSet != 0 {
		u.EmailVerified = ptrTo(flags&userEmailVerified != 0)
	}
	if flags&userEmailSet != 0 {
		u.Email = ptrTo(d.str())
	}
	if flags&userWebsiteSet != 0 {
		u.Website = ptrTo(d.url())
	}
	if flags&userCanPaySet != 0 {
		u.CanPay = ptrTo(flags&userCanPay != 0)
	}
	norgs := d.count()
	if flags&userOrgsSet != 0 {
		u.Orgs = make([]OAuthOrgInfo, 0, norgs)
	} else if norgs != 0 {
		d.fail()
	}
	for range norgs {
		if d.err {
			break
		}
		u.Orgs = append(u.Orgs, d.org())
	}
	if d.err || len(d.bin) != 0 || len(d.text) != 0 || flags >= userOrgsSet<<1 {
		*u = OAuthUserInfo{}
		return errWire
	}
	return nil
}

func (d *unpacker) org() OAuthOrgInfo {
	flags := d.uvarint()
	if flags >= orgResourceGroupsSet<<1 {
		d.fail()
	}
	o := OAuthOrgInfo{
		Sub:               d.sub(flags&orgHexSub != 0),
		Name:              d.str(),
		PreferredUsername: d.str(),
		Picture:           d.url(),
		IsEnterprise:      flags&orgEnterprise != 0,
	}
	if flags&orgCanPaySet != 0 {
		o.CanPay = ptrTo(flags&orgCanPay != 0)
	}
	if flags&orgRoleSet != 0 {
		o.RoleInOrg = ptrTo(d.code(wireRoles))
	}
	if flags&orgPlanSet != 0 {
		o.Plan = ptrTo(d.code(wirePlans))
	}
	if flags&orgRestrictionsSet != 0 {
		n := d.count()
		o.SecurityRestrictions = make([]string, 0, n)
		for range n {
			o.SecurityRestrictions = append(o.SecurityRestrictions, d.code(wireRestrictions))
		}
	}
	if flags&orgMissingMFASet != 0 {
		o.MissingMFA = ptrTo(flags&orgMissingMFA != 0)
	}
	if flags&orgPendingSSOSet != 0 {
		o.PendingSSO = ptrTo(flags&orgPendingSSO != 0)
	}
	if flags&orgResourceGroupsSet != 0 {
		n := d.count()
		o.ResourceGroups = make([]OAuthResourceGroup, 0, n)
		for range n {
			hex := d.uvarint()
			if hex > 1 {
				d.fail()
			}
			o.ResourceGroups = append(o.ResourceGroups, OAuthResourceGroup{Sub: d.sub(hex == 1), Name: d.str(), Role: d.code(wireRoles)})
		}
	}
	return o
}

func ptrTo[T any](v T) *T { return &v }

// inflateText decompresses the raw DEFLATE stream b, refusing an output
// over maxWireText, a corrupt or truncated stream, and bytes after its end.
func inflateText(b []byte) (string, error) {
	z := deflate.NewReader()
	defer z.Release()
	out, err := z.Inflate(b, maxWireText)
	if err != nil {
		return "", errWire
	}
	return string(out), nil
}

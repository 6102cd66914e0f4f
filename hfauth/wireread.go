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
	buf  []byte // the strings built from bytes, one after another (see later)
	err  bool   // set by the first failed read; later reads return zero values

	built  [maxLater]built // what finish sets
	nlater int

	bools []bool   // what boolPtr hands out
	strs  []string // what strPtr hands out
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

// setURL reads a URL into *p. The forms stored whole in the text are a
// slice of it; the others are built in d.buf and set by finish.
func (d *unpacker) setURL(p *string) {
	start := len(d.buf)
	switch tag := d.uvarint(); tag {
	case urlRaw:
		*p = d.str()
		return
	case urlHub:
		d.buf = append(append(d.buf, hubPrefix...), d.str()...)
	case urlAvatar:
		d.buf = append(append(d.buf, avatarPrefix...), d.str()...)
	case urlCDN:
		d.buf = append(append(d.buf, cdnPrefix...), d.str()...)
	case urlDataSVG:
		d.buf = append(append(d.buf, svgDataPrefix...), d.str()...)
	case urlAvatarHex:
		d.buf = append(d.appendHex(append(d.buf, avatarPrefix...), 16), ".svg"...)
	case urlCDNFolder:
		d.buf = append(d.appendHex(append(d.buf, cdnPrefix...), 12), '/')
		d.buf = append(d.buf, d.str()...)
	default:
		ext := tag - urlCDNStamped
		if tag < urlCDNStamped || ext >= uint64(len(wireImageExts)) {
			d.fail()
			return
		}
		d.buf = strconv.AppendUint(append(d.buf, cdnPrefix...), d.uvarint(), 10)
		d.buf = append(d.appendHex(append(d.buf, '-'), 12), wireImageExts[ext]...)
	}
	d.later(p, start)
}

// setSub reads an id into *p, packed as bytes when hex says so.
func (d *unpacker) setSub(p *string, hex bool) {
	if !hex {
		*p = d.str()
		return
	}
	start := len(d.buf)
	d.buf = d.appendHex(d.buf, 12)
	d.later(p, start)
}

// maxLater bounds the strings finish sets; the rest cost an allocation each.
const maxLater = 32

// built is a string of d.buf that finish sets.
type built struct {
	p          *string
	start, end int
}

// later has finish set *p to d.buf[start:], which the caller just built.
// Every string built for a user thus shares one allocation.
func (d *unpacker) later(p *string, start int) {
	if d.nlater == maxLater {
		*p = string(d.buf[start:])
		return
	}
	d.built[d.nlater] = built{p, start, len(d.buf)}
	d.nlater++
}

// finish sets the strings built in d.buf, from one copy of it.
func (d *unpacker) finish() {
	all := string(d.buf)
	for _, b := range d.built[:d.nlater] {
		*b.p = all[b.start:b.end]
	}
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
	if blob[0] == wireZip {
		text, err := inflateText(rest[n:])
		if err != nil {
			return errWire
		}
		return unpackParts(rest[:n], text, u)
	}
	return unpackParts(rest[:n], string(rest[n:]), u) // one allocation that every string shares
}

// unpackParts decodes a packed user from its bin and its text into u.
func unpackParts(bin []byte, text string, u *OAuthUserInfo) error {
	buf := blobs.Get().(*[]byte)
	d := unpacker{bin: bin, text: text, buf: (*buf)[:0]}
	defer func() { *buf = d.buf; putBlob(buf) }()
	flags := d.uvarint()
	*u = OAuthUserInfo{IsPro: flags&userPro != 0}
	d.setSub(&u.Sub, flags&userHexSub != 0)
	u.Name = d.str()
	u.PreferredUsername = d.str()
	d.setURL(&u.Picture)
	d.setURL(&u.Profile)
	if flags&userEmailVerifiedSet != 0 {
		u.EmailVerified = d.boolPtr(flags&userEmailVerified != 0)
	}
	if flags&userEmailSet != 0 {
		u.Email = d.strPtr(d.str())
	}
	if flags&userWebsiteSet != 0 {
		u.Website = d.strPtr("")
		d.setURL(u.Website)
	}
	if flags&userCanPaySet != 0 {
		u.CanPay = d.boolPtr(flags&userCanPay != 0)
	}
	norgs := d.count()
	if flags&userOrgsSet != 0 {
		u.Orgs = make([]OAuthOrgInfo, norgs) // filled in place: finish sets their strings
	} else if norgs != 0 {
		d.fail()
	}
	for i := range u.Orgs {
		if d.err {
			break
		}
		d.org(&u.Orgs[i])
	}
	if d.err || len(d.bin) != 0 || len(d.text) != 0 || flags >= userOrgsSet<<1 {
		*u = OAuthUserInfo{}
		return errWire
	}
	d.finish()
	return nil
}

// The values a user's pointer fields point to are handed out of small
// blocks, each value its own element (so that writing through one pointer
// changes no other), a few allocations for all of them instead of one each.
const ptrBlock = 8

// boolPtr returns a pointer to a new bool holding v.
func (d *unpacker) boolPtr(v bool) *bool {
	if len(d.bools) == 0 {
		d.bools = make([]bool, ptrBlock)
	}
	p := &d.bools[0]
	d.bools = d.bools[1:]
	*p = v
	return p
}

// strPtr returns a pointer to a new string holding v.
func (d *unpacker) strPtr(v string) *string {
	if len(d.strs) == 0 {
		d.strs = make([]string, ptrBlock)
	}
	p := &d.strs[0]
	d.strs = d.strs[1:]
	*p = v
	return p
}

// org reads an organization into *o, a zero value.
func (d *unpacker) org(o *OAuthOrgInfo) {
	flags := d.uvarint()
	if flags >= orgResourceGroupsSet<<1 {
		d.fail()
	}
	d.setSub(&o.Sub, flags&orgHexSub != 0)
	o.Name = d.str()
	o.PreferredUsername = d.str()
	d.setURL(&o.Picture)
	o.IsEnterprise = flags&orgEnterprise != 0
	if flags&orgCanPaySet != 0 {
		o.CanPay = d.boolPtr(flags&orgCanPay != 0)
	}
	if flags&orgRoleSet != 0 {
		o.RoleInOrg = d.strPtr(d.code(wireRoles))
	}
	if flags&orgPlanSet != 0 {
		o.Plan = d.strPtr(d.code(wirePlans))
	}
	if flags&orgRestrictionsSet != 0 {
		n := d.count()
		o.SecurityRestrictions = make([]string, 0, n)
		for range n {
			o.SecurityRestrictions = append(o.SecurityRestrictions, d.code(wireRestrictions))
		}
	}
	if flags&orgMissingMFASet != 0 {
		o.MissingMFA = d.boolPtr(flags&orgMissingMFA != 0)
	}
	if flags&orgPendingSSOSet != 0 {
		o.PendingSSO = d.boolPtr(flags&orgPendingSSO != 0)
	}
	if flags&orgResourceGroupsSet != 0 {
		n := d.count()
		o.ResourceGroups = make([]OAuthResourceGroup, n) // filled in place: finish sets their strings
		for i := range o.ResourceGroups {
			g := &o.ResourceGroups[i]
			hex := d.uvarint()
			if hex > 1 {
				d.fail()
			}
			d.setSub(&g.Sub, hex == 1)
			g.Name = d.str()
			g.Role = d.code(wireRoles)
		}
	}
}

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

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
// Every string it reads goes to k, which sets them all at once.
type unpacker struct {
	bin  []byte
	text []byte
	k    *keeper
	err  bool // set by the first failed read; later reads return zero values

}

func (d *unpacker) fail() { d.err, d.bin, d.text = true, nil, nil }

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

// str reads the next string of the text, as a slice of it.
func (d *unpacker) str() []byte {
	n := d.uvarint()
	if n > uint64(len(d.text)) {
		d.fail()
		return nil
	}
	s := d.text[:n]
	d.text = d.text[n:]
	return s
}

// setStr reads the next string of the text into *p.
func (d *unpacker) setStr(p *string) { d.k.set(p, d.str()) }

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

// setCode reads into *p a value of table, by its code, or a string.
func (d *unpacker) setCode(p *string, table []string) {
	c := d.uvarint()
	if c == 0 {
		d.setStr(p)
		return
	}
	if c > uint64(len(table)) {
		d.fail()
		return
	}
	*p = table[c-1]
}

// setURL reads a URL into *p: stored whole in the text, or built from a
// known prefix and what follows its tag.
func (d *unpacker) setURL(p *string) {
	k := d.k
	buf := k.scratch()
	start := len(*buf)
	switch tag := d.uvarint(); tag {
	case urlRaw:
		d.setStr(p)
		return
	case urlHub:
		*buf = append(append(*buf, hubPrefix...), d.str()...)
	case urlAvatar:
		*buf = append(append(*buf, avatarPrefix...), d.str()...)
	case urlCDN:
		*buf = append(append(*buf, cdnPrefix...), d.str()...)
	case urlDataSVG:
		*buf = append(append(*buf, svgDataPrefix...), d.str()...)
	case urlAvatarHex:
		*buf = append(d.appendHex(append(*buf, avatarPrefix...), 16), ".svg"...)
	case urlCDNFolder:
		*buf = append(d.appendHex(append(*buf, cdnPrefix...), 12), '/')
		*buf = append(*buf, d.str()...)
	default:
		ext := tag - urlCDNStamped
		if tag < urlCDNStamped || ext >= uint64(len(wireImageExts)) {
			d.fail()
			return
		}
		*buf = strconv.AppendUint(append(*buf, cdnPrefix...), d.uvarint(), 10)
		*buf = append(d.appendHex(append(*buf, '-'), 12), wireImageExts[ext]...)
	}
	k.add(p, start)
}

// setSub reads an id into *p, packed as bytes when hex says so.
func (d *unpacker) setSub(p *string, hex bool) {
	if !hex {
		d.setStr(p)
		return
	}
	buf := d.k.scratch()
	start := len(*buf)
	*buf = d.appendHex(*buf, 12)
	d.k.add(p, start)
}

// unpackUser decodes blob into u. Every value is read from bounds-checked
// slices, so no input makes it panic or allocate beyond a small multiple of
// its size (maxWireText for compressed text).
func unpackUser(blob []byte, u *OAuthUserInfo) error {
	var k keeper
	defer k.release()
	if err := unpackBlob(blob, u, &k); err != nil {
		return err
	}
	k.finish()
	return nil
}

// unpackBlob is unpackUser with the user's strings left to k.
func unpackBlob(blob []byte, u *OAuthUserInfo, k *keeper) error {
	if len(blob) == 0 || blob[0] != wireText && blob[0] != wireZip {
		return errWire
	}
	n, m := binary.Uvarint(blob[1:])
	if m <= 0 {
		return errWire
	}
	rest := blob[1+m:]
	if n > uint64(len(rest)) {
		return errWire
	}
	if blob[0] == wireText {
		return unpackParts(rest[:n], rest[n:], u, k)
	}
	z := deflate.NewReader()
	defer z.Release()
	text, err := z.Inflate(rest[n:], maxWireText) // refuses a corrupt or truncated stream, and bytes after its end
	if err != nil {
		return errWire
	}
	return unpackParts(rest[:n], text, u, k)
}

// unpackParts decodes a packed user from its bin and its text into u. Its
// strings are left to k: they are set when k finishes, which the caller
// does only when every part of the session decoded.
func unpackParts(bin, text []byte, u *OAuthUserInfo, k *keeper) error {
	d := unpacker{bin: bin, text: text, k: k}
	flags := d.uvarint()
	*u = OAuthUserInfo{IsPro: flags&userPro != 0}
	d.setSub(&u.Sub, flags&userHexSub != 0)
	d.setStr(&u.Name)
	d.setStr(&u.PreferredUsername)
	d.setURL(&u.Picture)
	d.setURL(&u.Profile)
	if flags&userEmailVerifiedSet != 0 {
		u.EmailVerified = d.k.boolPtr(flags&userEmailVerified != 0)
	}
	if flags&userEmailSet != 0 {
		u.Email = d.k.strPtr()
		d.setStr(u.Email)
	}
	if flags&userWebsiteSet != 0 {
		u.Website = d.k.strPtr()
		d.setURL(u.Website)
	}
	if flags&userCanPaySet != 0 {
		u.CanPay = d.k.boolPtr(flags&userCanPay != 0)
	}
	norgs := d.count()
	if flags&userOrgsSet != 0 {
		u.Orgs = make([]OAuthOrgInfo, norgs) // filled in place: k sets their strings
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
	return nil
}

// The values a user's pointer fields point to are handed out of small
// blocks, each value its own element (so that writing through one pointer
// changes no other), a few allocations for all of them instead of one each.
const ptrBlock = 8

// boolPtr returns a pointer to a new bool holding v.
func (k *keeper) boolPtr(v bool) *bool {
	if len(k.bools) == 0 {
		k.bools = make([]bool, ptrBlock)
	}
	p := &k.bools[0]
	k.bools = k.bools[1:]
	*p = v
	return p
}

// strPtr returns a pointer to a new string, for the caller to set.
func (k *keeper) strPtr() *string {
	if len(k.strs) == 0 {
		k.strs = make([]string, ptrBlock)
	}
	p := &k.strs[0]
	k.strs = k.strs[1:]
	return p
}

// org reads an organization into *o, a zero value.
func (d *unpacker) org(o *OAuthOrgInfo) {
	flags := d.uvarint()
	if flags >= orgResourceGroupsSet<<1 {
		d.fail()
	}
	d.setSub(&o.Sub, flags&orgHexSub != 0)
	d.setStr(&o.Name)
	d.setStr(&o.PreferredUsername)
	d.setURL(&o.Picture)
	o.IsEnterprise = flags&orgEnterprise != 0
	if flags&orgCanPaySet != 0 {
		o.CanPay = d.k.boolPtr(flags&orgCanPay != 0)
	}
	if flags&orgRoleSet != 0 {
		o.RoleInOrg = d.k.strPtr()
		d.setCode(o.RoleInOrg, wireRoles)
	}
	if flags&orgPlanSet != 0 {
		o.Plan = d.k.strPtr()
		d.setCode(o.Plan, wirePlans)
	}
	if flags&orgRestrictionsSet != 0 {
		o.SecurityRestrictions = make([]string, d.count()) // filled in place
		for i := range o.SecurityRestrictions {
			d.setCode(&o.SecurityRestrictions[i], wireRestrictions)
		}
	}
	if flags&orgMissingMFASet != 0 {
		o.MissingMFA = d.k.boolPtr(flags&orgMissingMFA != 0)
	}
	if flags&orgPendingSSOSet != 0 {
		o.PendingSSO = d.k.boolPtr(flags&orgPendingSSO != 0)
	}
	if flags&orgResourceGroupsSet != 0 {
		n := d.count()
		o.ResourceGroups = make([]OAuthResourceGroup, n) // filled in place: k sets their strings
		for i := range o.ResourceGroups {
			g := &o.ResourceGroups[i]
			hex := d.uvarint()
			if hex > 1 {
				d.fail()
			}
			d.setSub(&g.Sub, hex == 1)
			d.setStr(&g.Name)
			d.setCode(&g.Role, wireRoles)
		}
	}
}

// keeper gathers the strings of a session being decoded: each is appended
// to one scratch buffer as it is read or built, and finish sets them all
// from a single copy of it. Decoding a session thus costs one allocation
// for all its strings, and copies each of their bytes once into it. No
// string read or built from the input is set unless finish runs, so a
// decoding that fails halfway leaves none behind (an empty string, and a
// code's value from its table, are set at once: they alias nothing).
//
// A keeper lives on its decoder's stack (declare it, then release it), and
// so does the list of strings to set, up to maxKept of them: recording one
// writes no pointer into the heap, which would cost a write barrier while
// the collector runs.
type keeper struct {
	buf   *[]byte // scratch, from blobs
	later [maxKept]built
	n     int
	more  []built // the strings past maxKept (sessions with many organizations)

	bools []bool   // what boolPtr hands out
	strs  []string // what strPtr hands out
}

// maxKept is how many strings a keeper records on the stack: a session
// with three organizations has 22 to 24. The record is kept small (512
// bytes) because it sits deep in a request's call chain: a larger one made
// net/http's goroutines grow their stacks under load.
const maxKept = 32

// built is a string of the scratch buffer that finish sets.
type built struct {
	p          *string
	start, end int32 // the scratch buffer is bounded by maxWireText and the cookie's size
}

// release returns k's scratch buffer to the pool.
func (k *keeper) release() {
	if k.buf != nil {
		putBlob(k.buf)
		k.buf = nil
	}
}

// scratch returns k's scratch buffer, taking one from the pool first.
func (k *keeper) scratch() *[]byte {
	if k.buf == nil {
		k.buf = blobs.Get().(*[]byte)
		*k.buf = (*k.buf)[:0]
	}
	return k.buf
}

// set has finish set *p to v (copied now).
func (k *keeper) set(p *string, v []byte) {
	if len(v) == 0 {
		*p = ""
		return
	}
	b := k.scratch()
	start := len(*b)
	*b = append(*b, v...)
	k.add(p, start)
}

// add has finish set *p to the scratch buffer from start on, which the
// caller just built.
func (k *keeper) add(p *string, start int) {
	e := built{p, int32(start), int32(len(*k.buf))} //nolint:gosec // G115: the buffer holds at most a cookie and maxWireText
	if k.n < maxKept {
		k.later[k.n] = e
		k.n++
		return
	}
	k.more = append(k.more, e)
}

// finish sets every string k was given.
func (k *keeper) finish() {
	if k.buf == nil {
		return
	}
	all := string(*k.buf)
	for _, b := range k.later[:k.n] {
		*b.p = all[b.start:b.end]
	}
	for _, b := range k.more {
		*b.p = all[b.start:b.end]
	}
}

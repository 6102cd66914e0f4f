package hfauth

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/echohf/echohf/internal/deflate"
	"github.com/echohf/echohf/internal/jsonobj"
)

// The session cookie's wire form. A session is marshaled as a JSON object
// with its own fields under their tags, except the user, which most of the
// cookie is about: "u" holds it packed (the JSON string's two forms are in
// wiretext.go). The packed user is
//
//	form byte (wireText or wireZip) | uvarint len(bin) | bin | text
//
// where bin holds flags, lengths, codes and the binary forms of ids and
// avatar URLs, and text holds the bytes of every string in the order they
// are written, raw DEFLATE-compressed in the wireZip form (used when that
// saves minZipGain bytes or more). Hex ids are stored as bytes, avatar URLs
// relative to the Hub's known prefixes, and roles, plans and restrictions
// as codes, so a 100-org session fits in nginx's default 8 KB of Cookie
// header.
//
// A change to this form that a replica reading the old one would misread
// must change purposeSession, so that such cookies fail their signature
// check (logged out) instead. A change that old replicas refuse, as they
// refuse the text form, and whose old form the new code still reads, keeps
// the purpose: sessions survive a rolling deploy.
const (
	wireText = 1 // the text is stored as it is
	wireZip  = 2 // the text is stored raw DEFLATE-compressed

	// maxWireText bounds the inflated text of a packed user.
	maxWireText = 1 << 20

	// minZipGain is the fewest bytes DEFLATE must save on the text for the
	// wireZip form to be used. Inflating costs a few microseconds on each
	// cold check of the cookie (its Huffman tables are built per stream),
	// while a byte saved here is under two bytes of Cookie header: a small
	// session's text, which DEFLATE shortens by a few percent, is worth
	// more as it is. The 100-org session saves kilobytes.
	minZipGain = 24
)

// errWire reports a packed user that does not decode. Only a cookie signed
// with a current key reaches the decoder, so it means a key mix-up; the
// session is then invalid.
var errWire = errors.New("echohf: malformed session user")

// sessionFields is session without its methods, so that the wire form can
// marshal every session field with its tags and replace only the user.
type sessionFields session

// sessionWire is a session as the cookie carries it.
type sessionWire struct {
	*sessionFields
	User packedUser `json:"u"` // shadows sessionFields.User
}

// MarshalJSON writes s in the wire form.
func (s *session) MarshalJSON() ([]byte, error) {
	return json.Marshal(sessionWire{(*sessionFields)(s), packedUser{&s.User, s.plainText}})
}

// UnmarshalJSON reads s from the wire form. The form as MarshalJSON writes
// it is read directly (see field), anything else by encoding/json, to the
// same result (FuzzSessionDecode).
func (s *session) UnmarshalJSON(b []byte) error {
	n, err := s.read(b)
	if n == len(b) {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(b, &sessionWire{(*sessionFields)(s), packedUser{u: &s.User}})
}

// UnmarshalJSONPrefix implements jsonobj.PrefixUnmarshaler, for jwtstore,
// which thus reads a cookie's payload in one pass: the direct read of
// UnmarshalJSON, for the session at the start of b.
func (s *session) UnmarshalJSONPrefix(b []byte) (int, bool) {
	n, _ := s.read(b)
	return n, n >= 0
}

// read reads s directly from the object at the start of b and returns its
// length; or -1, with the error encoding/json would give when it is sure
// to give one, when encoding/json must decide.
func (s *session) read(b []byte) (n int, err error) {
	var k keeper
	defer k.release()
	n = jsonobj.Object(b, func(key, val []byte) bool {
		var ok bool
		ok, err = s.field(key, val, &k)
		return ok
	})
	if n >= 0 {
		k.finish()
	}
	return n, err
}

// field sets the field of s whose tag is key from its raw JSON value val,
// as encoding/json would. It reports false, with an error when encoding/json
// would fail too, when it cannot: then UnmarshalJSON leaves b to
// encoding/json, which sets every field again. A field of session needs
// one line here, or its cookies take the slower path. Its strings are
// left to k.
func (s *session) field(key, val []byte, k *keeper) (bool, error) {
	switch string(key) {
	case "t":
		return setString(val, &s.Token, k), nil
	case "r":
		return setString(val, &s.Refresh, k), nil
	case "e":
		return num(val, &s.Expires), nil
	case "i":
		return num(val, &s.Issued), nil
	case "ck":
		return num(val, &s.Checked), nil
	case "l":
		return num(val, &s.Login), nil
	case "em":
		return num(val, &s.ExpiresMs), nil
	case "im":
		return num(val, &s.IssuedMs), nil
	case "lm":
		return num(val, &s.LoginMs), nil
	case "sc":
		return setString(val, &s.Scope, k), nil
	case "st":
		return setString(val, &s.State, k), nil
	case "si":
		return setString(val, &s.SignIn, k), nil
	case "u":
		err := packedUser{u: &s.User}.unmarshal(val, k)
		return err == nil, err
	}
	return false, nil // unknown, or a tag spelled in another case
}

// setString has k set *p to the JSON string val, when jsonobj reads it.
func setString(val []byte, p *string, k *keeper) bool {
	v, ok := jsonobj.StringBytes(val)
	if ok {
		k.set(p, v)
	}
	return ok
}

// num sets *p to the JSON integer val when jsonobj reads it.
func num(val []byte, p *int64) bool {
	v, ok := jsonobj.Int(val)
	if ok {
		*p = v
	}
	return ok
}

// Codes of the known values of a few fields; code 0 means "a string follows".
var (
	wireRoles        = []string{"read", "contributor", "write", "admin"}
	wirePlans        = []string{"team", "enterprise", "plus", "academia", "pro"}
	wireRestrictions = []string{"ip", "token-policy", "mfa", "sso"}
	wireImageExts    = []string{".png", ".jpeg", ".jpg", ".webp", ".gif", ".svg"}
)

// Forms of a URL: a tag, then what follows it.
const (
	urlRaw        = iota // string
	urlHub               // hubPrefix + string
	urlAvatar            // avatarPrefix + string
	urlAvatarHex         // avatarPrefix + 16 bytes as hex + ".svg"
	urlCDN               // cdnPrefix + string
	urlCDNFolder         // cdnPrefix + 12 bytes as hex + "/" + string
	urlDataSVG           // svgDataPrefix + string
	urlCDNStamped        // cdnPrefix + uvarint ms + "-" + 12 bytes as hex + wireImageExts[tag-urlCDNStamped]

	hubPrefix     = "https://huggingface.co/"
	avatarPrefix  = "https://huggingface.co/avatars/"
	cdnPrefix     = "https://cdn-avatars.huggingface.co/v1/production/uploads/"
	svgDataPrefix = "data:image/svg+xml;base64,"
)

// Flags of a packed user and of a packed organization.
const (
	userHexSub = 1 << iota
	userEmailVerifiedSet
	userEmailVerified
	userEmailSet
	userWebsiteSet
	userPro
	userCanPaySet
	userCanPay
	userOrgsSet
)

const (
	orgHexSub = 1 << iota
	orgEnterprise
	orgCanPaySet
	orgCanPay
	orgRoleSet
	orgPlanSet
	orgRestrictionsSet
	orgMissingMFASet
	orgMissingMFA
	orgPendingSSOSet
	orgPendingSSO
	orgResourceGroupsSet
)

// bit returns b when cond holds, else 0.
func bit(cond bool, b uint64) uint64 {
	if cond {
		return b
	}
	return 0
}

// packer builds a packed user.
type packer struct {
	bin  []byte
	text []byte
}

func (p *packer) uvarint(v uint64) { p.bin = binary.AppendUvarint(p.bin, v) }

func (p *packer) str(s string) {
	p.uvarint(uint64(len(s)))
	p.text = append(p.text, s...)
}

// hexID writes s, which isHexID accepts, as bytes.
func (p *packer) hexID(s string) { p.bin, _ = hex.AppendDecode(p.bin, []byte(s)) }

// sub writes an id, as bytes when hex says so.
func (p *packer) sub(s string, hex bool) {
	if hex {
		p.hexID(s)
	} else {
		p.str(s)
	}
}

// code writes the code of s in table, or 0 and s.
func (p *packer) code(s string, table []string) {
	if i := slices.Index(table, s); i >= 0 {
		p.uvarint(uint64(i) + 1)
		return
	}
	p.uvarint(0)
	p.str(s)
}

// url writes u in the shortest form that gives it back exactly.
func (p *packer) url(u string) {
	switch {
	case strings.HasPrefix(u, cdnPrefix):
		rest := u[len(cdnPrefix):]
		if ms, id, tag, ok := cutStamped(rest); ok {
			p.uvarint(tag)
			p.uvarint(ms)
			p.hexID(id)
		} else if id, name, ok := strings.Cut(rest, "/"); ok && isHexID(id, 24) {
			p.uvarint(urlCDNFolder)
			p.hexID(id)
			p.str(name)
		} else {
			p.uvarint(urlCDN)
			p.str(rest)
		}
	case strings.HasPrefix(u, avatarPrefix):
		rest := u[len(avatarPrefix):]
		if id, ok := strings.CutSuffix(rest, ".svg"); ok && isHexID(id, 32) {
			p.uvarint(urlAvatarHex)
			p.hexID(id)
		} else {
			p.uvarint(urlAvatar)
			p.str(rest)
		}
	case strings.HasPrefix(u, hubPrefix):
		p.uvarint(urlHub)
		p.str(u[len(hubPrefix):])
	case strings.HasPrefix(u, svgDataPrefix):
		p.uvarint(urlDataSVG)
		p.str(u[len(svgDataPrefix):])
	default:
		p.uvarint(urlRaw)
		p.str(u)
	}
}

// cutStamped splits the name of an older CDN upload, "<ms>-<24 hex><ext>",
// when it prints back exactly from the parts, and returns its URL tag.
func cutStamped(rest string) (ms uint64, id string, tag uint64, ok bool) {
	stamp, tail, found := strings.Cut(rest, "-")
	if !found || len(tail) < 24 || !isHexID(tail[:24], 24) {
		return 0, "", 0, false
	}
	ext := slices.Index(wireImageExts, tail[24:])
	ms, err := strconv.ParseUint(stamp, 10, 64)
	if ext < 0 || err != nil || strconv.FormatUint(ms, 10) != stamp {
		return 0, "", 0, false
	}
	return ms, tail[:24], urlCDNStamped + uint64(ext), true
}

// isHexID reports whether s is n lowercase hexadecimal digits, which
// hex.EncodeToString gives back exactly.
func isHexID(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// packUser returns the packed form of u, its text deflated when that saves
// minZipGain bytes.
func packUser(u *OAuthUserInfo) ([]byte, error) { return packUserForm(u, true) }

// packUserForm returns the packed form of u, its text deflated only with
// zip (and when that saves minZipGain bytes).
func packUserForm(u *OAuthUserInfo, zip bool) ([]byte, error) {
	var p packer
	flags := bit(isHexID(u.Sub, 24), userHexSub) |
		bit(u.EmailVerified != nil, userEmailVerifiedSet) | bit(u.EmailVerified != nil && *u.EmailVerified, userEmailVerified) |
		bit(u.Email != nil, userEmailSet) | bit(u.Website != nil, userWebsiteSet) | bit(u.IsPro, userPro) |
		bit(u.CanPay != nil, userCanPaySet) | bit(u.CanPay != nil && *u.CanPay, userCanPay) | bit(u.Orgs != nil, userOrgsSet)
	p.uvarint(flags)
	p.sub(u.Sub, flags&userHexSub != 0)
	p.str(u.Name)
	p.str(u.PreferredUsername)
	p.url(u.Picture)
	p.url(u.Profile)
	if u.Email != nil {
		p.str(*u.Email)
	}
	if u.Website != nil {
		p.url(*u.Website)
	}
	p.uvarint(uint64(len(u.Orgs)))
	for i := range u.Orgs {
		p.org(&u.Orgs[i])
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(p.bin)+len(p.text))
	out = append(out, wireText)
	out = binary.AppendUvarint(out, uint64(len(p.bin)))
	out = append(out, p.bin...)
	if zip && len(p.text) > 64 {
		z, err := deflate.Compress(p.text)
		if err != nil {
			return nil, err
		}
		if len(z)+minZipGain <= len(p.text) {
			out[0] = wireZip
			return append(out, z...), nil
		}
	}
	return append(out, p.text...), nil
}

func (p *packer) org(o *OAuthOrgInfo) {
	flags := bit(isHexID(o.Sub, 24), orgHexSub) | bit(o.IsEnterprise, orgEnterprise) |
		bit(o.CanPay != nil, orgCanPaySet) | bit(o.CanPay != nil && *o.CanPay, orgCanPay) |
		bit(o.RoleInOrg != nil, orgRoleSet) | bit(o.Plan != nil, orgPlanSet) | bit(o.SecurityRestrictions != nil, orgRestrictionsSet) |
		bit(o.MissingMFA != nil, orgMissingMFASet) | bit(o.MissingMFA != nil && *o.MissingMFA, orgMissingMFA) |
		bit(o.PendingSSO != nil, orgPendingSSOSet) | bit(o.PendingSSO != nil && *o.PendingSSO, orgPendingSSO) |
		bit(o.ResourceGroups != nil, orgResourceGroupsSet)
	p.uvarint(flags)
	p.sub(o.Sub, flags&orgHexSub != 0)
	p.str(o.Name)
	p.str(o.PreferredUsername)
	p.url(o.Picture)
	if o.RoleInOrg != nil {
		p.code(*o.RoleInOrg, wireRoles)
	}
	if o.Plan != nil {
		p.code(*o.Plan, wirePlans)
	}
	if o.SecurityRestrictions != nil {
		p.uvarint(uint64(len(o.SecurityRestrictions)))
		for _, r := range o.SecurityRestrictions {
			p.code(r, wireRestrictions)
		}
	}
	if o.ResourceGroups != nil {
		p.uvarint(uint64(len(o.ResourceGroups)))
		for _, g := range o.ResourceGroups {
			hex := isHexID(g.Sub, 24)
			p.uvarint(bit(hex, 1))
			p.sub(g.Sub, hex)
			p.str(g.Name)
			p.code(g.Role, wireRoles)
		}
	}
}

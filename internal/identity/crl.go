package identity

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// RevocationList is a numbered, CA-signed list of revoked certificate
// serials. A node installs a list in its Verifier and refuses lists with a
// lower Number than the one in force. Lists come from ParseRevocationList
// or CA.SignRevocationList; the fields are for reading.
//
// The encoding, in order: version (u8), issuer (32 bytes), number (u64),
// issue time (u64 Unix seconds), serial count (u32), the serials (16 bytes
// each, strictly ascending) and the hybrid signature (pqc.SignatureSize
// bytes) over all the bytes before it with the context
// "x0tta6bl4 revocation list v1".
type RevocationList struct {
	// Issuer is the NodeID of the CA that signed the list.
	Issuer NodeID
	// Number orders the lists of one CA; a later list has a higher number.
	Number uint64
	// IssuedAt is when the list was signed, to the second.
	IssuedAt time.Time
	// Serials are the revoked serials, sorted and distinct, at most
	// MaxRevoked of them.
	Serials [][SerialSize]byte
	// Signature is the CA's hybrid signature.
	Signature []byte

	raw []byte
}

// Raw returns a copy of the exact encoding of l.
func (l *RevocationList) Raw() []byte { return slices.Clone(l.raw) }

// signedPart returns the bytes the signature covers.
func (l *RevocationList) signedPart() []byte { return l.raw[:len(l.raw)-pqc.SignatureSize] }

// IsRevoked reports whether serial is on the list. A nil list revokes
// nothing.
func (l *RevocationList) IsRevoked(serial [SerialSize]byte) bool {
	if l == nil {
		return false
	}
	_, found := slices.BinarySearchFunc(l.Serials, serial, compareSerials)
	return found
}

func compareSerials(a, b [SerialSize]byte) int { return bytes.Compare(a[:], b[:]) }

// buildRevocationList encodes and signs a list of the given serials (in any
// order, duplicates allowed) and returns the parsed result.
func buildRevocationList(sk *pqc.SigningKey, issuer NodeID, serials [][SerialSize]byte, number uint64, now time.Time) (*RevocationList, error) {
	sorted := slices.Clone(serials)
	slices.SortFunc(sorted, compareSerials)
	sorted = slices.Compact(sorted)
	if len(sorted) > MaxRevoked {
		return nil, fmt.Errorf("%w: %d serials to revoke, the limit is %d", ErrInvalid, len(sorted), MaxRevoked)
	}
	at := now.Unix()
	if at < 0 || at > maxUnixTime {
		return nil, fmt.Errorf("%w: issue time %s out of range", ErrInvalid, now.UTC().Format(time.RFC3339))
	}
	b := cryptobyte.NewFixedBuilder(make([]byte, 0, revocationListFixedSize+len(sorted)*SerialSize))
	b.AddUint8(FormatVersion)
	b.AddBytes(issuer[:])
	b.AddUint64(number)
	b.AddUint64(uint64(at))
	b.AddUint32(uint32(len(sorted)))
	for _, s := range sorted {
		b.AddBytes(s[:])
	}
	tbs, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("identity: encoding revocation list: %w", err)
	}
	sig, err := sk.Sign(tbs, []byte(revocationListContext))
	if err != nil {
		return nil, fmt.Errorf("identity: signing revocation list: %w", err)
	}
	return ParseRevocationList(append(tbs, sig...))
}

// ParseRevocationList decodes a revocation list and checks its structure:
// version, size limits, strictly ascending serials and no trailing bytes.
// It does not check the signature: Verifier.SetRevocationList does. The
// list keeps its own copy of der.
func ParseRevocationList(der []byte) (*RevocationList, error) {
	if len(der) > MaxRevocationListSize {
		return nil, fmt.Errorf("%w: revocation list is %d bytes, the limit is %d", ErrMalformed, len(der), MaxRevocationListSize)
	}
	raw := slices.Clone(der)
	s := cryptobyte.String(raw)
	l := &RevocationList{raw: raw}
	var version uint8
	var issuer, serials []byte
	var at uint64
	var count uint32
	if !s.ReadUint8(&version) {
		return nil, fmt.Errorf("%w: revocation list truncated", ErrMalformed)
	}
	if version != FormatVersion {
		return nil, fmt.Errorf("%w: revocation list version %d, want %d", ErrMalformed, version, FormatVersion)
	}
	if !s.ReadBytes(&issuer, NodeIDSize) || !s.ReadUint64(&l.Number) || !s.ReadUint64(&at) || !s.ReadUint32(&count) {
		return nil, fmt.Errorf("%w: revocation list truncated", ErrMalformed)
	}
	if count > MaxRevoked {
		return nil, fmt.Errorf("%w: revocation list has %d serials, the limit is %d", ErrMalformed, count, MaxRevoked)
	}
	if at > maxUnixTime {
		return nil, fmt.Errorf("%w: revocation list issue time %d out of range", ErrMalformed, at)
	}
	if !s.ReadBytes(&serials, int(count)*SerialSize) || !s.ReadBytes(&l.Signature, pqc.SignatureSize) {
		return nil, fmt.Errorf("%w: revocation list truncated", ErrMalformed)
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: %d bytes of trailing data after revocation list", ErrMalformed, len(s))
	}
	copy(l.Issuer[:], issuer)
	l.IssuedAt = time.Unix(int64(at), 0)
	if count > 0 {
		l.Serials = make([][SerialSize]byte, count)
	}
	for i := range l.Serials {
		copy(l.Serials[i][:], serials[i*SerialSize:])
		if i > 0 && compareSerials(l.Serials[i-1], l.Serials[i]) >= 0 {
			return nil, fmt.Errorf("%w: revocation list serials not strictly ascending at %d", ErrMalformed, i)
		}
	}
	return l, nil
}

// EncodeRevocationListPEM returns l as a PEM block of type
// RevocationListPEMType.
func EncodeRevocationListPEM(l *RevocationList) []byte {
	return encodePEM(RevocationListPEMType, l.raw)
}

// ParseRevocationListPEM decodes a PEM revocation list, as written by
// EncodeRevocationListPEM.
func ParseRevocationListPEM(data []byte) (*RevocationList, error) {
	der, err := decodePEM(data, RevocationListPEMType)
	if err != nil {
		return nil, err
	}
	return ParseRevocationList(der)
}

// WriteRevocationList atomically writes l to path as PEM with mode 0644,
// replacing any existing file, so a node reloading the file never sees a
// partial list.
func WriteRevocationList(path string, l *RevocationList) error {
	if l == nil || l.raw == nil {
		return fmt.Errorf("%w: no parsed or signed revocation list to write", ErrInvalid)
	}
	return writeFile(path, EncodeRevocationListPEM(l), PublicFileMode, true)
}

// LoadRevocationList reads a PEM revocation-list file of at most
// MaxRevocationListFileSize bytes. It checks the structure only; install
// the list with Verifier.SetRevocationList to check its signature. A
// missing file gives an error that matches os.ErrNotExist.
func LoadRevocationList(path string) (*RevocationList, error) {
	data, err := readFile(path, MaxRevocationListFileSize, nil)
	if err != nil {
		return nil, err
	}
	l, err := ParseRevocationListPEM(data)
	if err != nil {
		return nil, fmt.Errorf("identity: revocation list %s: %w", path, err)
	}
	return l, nil
}

package handshake

import (
	"encoding/binary"
	"fmt"
)

// MessageType returns byte 0 of a datagram and whether it is one of the protocol's message types
// (handshake messages and TypeTransportData), so that a runtime can send transport data frames
// to its sessions and everything else to Receive.
func MessageType(datagram []byte) (byte, bool) {
	if len(datagram) == 0 {
		return 0, false
	}
	t := datagram[0]
	return t, t >= TypeInitiation && t <= TypeRetry
}

// initiation is a parsed Initiation. Its slices alias the datagram it was parsed from.
type initiation struct {
	sender  uint32
	ephX    [KeySize]byte
	ephEK   []byte // ML-KEM-768 encapsulation key, ekSize bytes
	ct1     []byte // ML-KEM-768 ciphertext, ctSize bytes
	encCert []byte // encrypted certificate reference, at least 1 + tagSize bytes
	encTS   []byte // encrypted timestamp, timestampSize + tagSize bytes
	mac1    [MACSize]byte
	mac2    [MACSize]byte
}

// response is a parsed Response. Its slices alias the datagram it was parsed from.
type response struct {
	sender, receiver uint32
	ephX             [KeySize]byte
	ct2, ct3         []byte // ML-KEM-768 ciphertexts, ctSize bytes each
	encEmpty         [tagSize]byte
	mac1, mac2       [MACSize]byte
}

// cookieReply is a parsed CookieReply.
type cookieReply struct {
	receiver  uint32
	nonce     [cookieNonceSize]byte
	encCookie [CookieSize + tagSize]byte
}

// fragment is a parsed Fragment. Its payload aliases the datagram.
type fragment struct {
	index, count uint8
	id           uint32
	payload      []byte
}

func checkHeader(b []byte, typ byte, name string) error {
	if len(b) < headerSize || b[0] != typ {
		return fmt.Errorf("%w: not a%s", ErrMalformed, name)
	}
	if b[1]|b[2]|b[3] != 0 {
		return fmt.Errorf("%w: %s has non-zero reserved bytes", ErrMalformed, name)
	}
	return nil
}

func header(dst []byte, typ byte) []byte { return append(dst, typ, 0, 0, 0) }

// parseInitiation decodes an Initiation of at most maxSize bytes.
func parseInitiation(b []byte, maxSize int) (*initiation, error) {
	if err := checkHeader(b, TypeInitiation, "n Initiation"); err != nil {
		return nil, err
	}
	if len(b) < InitiationOverhead || len(b) > maxSize {
		return nil, fmt.Errorf("%w: Initiation is %d bytes, want %d to %d", ErrMalformed, len(b), InitiationOverhead, maxSize)
	}
	m := &initiation{sender: binary.LittleEndian.Uint32(b[4:8])}
	p := b[8:]
	copy(m.ephX[:], p)
	p = p[KeySize:]
	m.ephEK, p = p[:ekSize], p[ekSize:]
	m.ct1, p = p[:ctSize], p[ctSize:]
	certLen := len(p) - (timestampSize + tagSize + 2*MACSize)
	m.encCert, p = p[:certLen], p[certLen:]
	m.encTS, p = p[:timestampSize+tagSize], p[timestampSize+tagSize:]
	copy(m.mac1[:], p)
	copy(m.mac2[:], p[MACSize:])
	return m, nil
}

// marshal encodes m; the macs are written as they are.
func (m *initiation) marshal() []byte {
	b := make([]byte, 0, InitiationOverhead-1-tagSize+len(m.encCert))
	b = header(b, TypeInitiation)
	b = binary.LittleEndian.AppendUint32(b, m.sender)
	b = append(b, m.ephX[:]...)
	b = append(b, m.ephEK...)
	b = append(b, m.ct1...)
	b = append(b, m.encCert...)
	b = append(b, m.encTS...)
	b = append(b, m.mac1[:]...)
	return append(b, m.mac2[:]...)
}

// parseResponse decodes a Response.
func parseResponse(b []byte) (*response, error) {
	if err := checkHeader(b, TypeResponse, " Response"); err != nil {
		return nil, err
	}
	if len(b) != ResponseSize {
		return nil, fmt.Errorf("%w: Response is %d bytes, want %d", ErrMalformed, len(b), ResponseSize)
	}
	m := &response{
		sender:   binary.LittleEndian.Uint32(b[4:8]),
		receiver: binary.LittleEndian.Uint32(b[8:12]),
	}
	p := b[12:]
	copy(m.ephX[:], p)
	p = p[KeySize:]
	m.ct2, p = p[:ctSize], p[ctSize:]
	m.ct3, p = p[:ctSize], p[ctSize:]
	copy(m.encEmpty[:], p)
	p = p[tagSize:]
	copy(m.mac1[:], p)
	copy(m.mac2[:], p[MACSize:])
	return m, nil
}

func (m *response) marshal() []byte {
	b := make([]byte, 0, ResponseSize)
	b = header(b, TypeResponse)
	b = binary.LittleEndian.AppendUint32(b, m.sender)
	b = binary.LittleEndian.AppendUint32(b, m.receiver)
	b = append(b, m.ephX[:]...)
	b = append(b, m.ct2...)
	b = append(b, m.ct3...)
	b = append(b, m.encEmpty[:]...)
	b = append(b, m.mac1[:]...)
	return append(b, m.mac2[:]...)
}

// parseCookieReply decodes a CookieReply.
func parseCookieReply(b []byte) (*cookieReply, error) {
	if err := checkHeader(b, TypeCookieReply, " CookieReply"); err != nil {
		return nil, err
	}
	if len(b) != CookieReplySize {
		return nil, fmt.Errorf("%w: CookieReply is %d bytes, want %d", ErrMalformed, len(b), CookieReplySize)
	}
	m := &cookieReply{receiver: binary.LittleEndian.Uint32(b[4:8])}
	copy(m.nonce[:], b[8:])
	copy(m.encCookie[:], b[8+cookieNonceSize:])
	return m, nil
}

func (m *cookieReply) marshal() []byte {
	b := make([]byte, 0, CookieReplySize)
	b = header(b, TypeCookieReply)
	b = binary.LittleEndian.AppendUint32(b, m.receiver)
	b = append(b, m.nonce[:]...)
	return append(b, m.encCookie[:]...)
}

// parseCertRequest decodes a CertRequest: exactly CertRequestSize bytes with zero padding.
func parseCertRequest(b []byte) (sender uint32, cookie [CookieSize]byte, err error) {
	if err := checkHeader(b, TypeCertRequest, " CertRequest"); err != nil {
		return 0, cookie, err
	}
	if len(b) != CertRequestSize {
		return 0, cookie, fmt.Errorf("%w: CertRequest is %d bytes, want %d", ErrMalformed, len(b), CertRequestSize)
	}
	var nonzero byte
	for _, c := range b[certRequestFixedSize:] {
		nonzero |= c
	}
	if nonzero != 0 {
		return 0, cookie, fmt.Errorf("%w: CertRequest padding is not zero", ErrMalformed)
	}
	copy(cookie[:], b[8:])
	return binary.LittleEndian.Uint32(b[4:8]), cookie, nil
}

func marshalCertRequest(sender uint32, cookie *[CookieSize]byte) []byte {
	b := make([]byte, 0, CertRequestSize)
	b = header(b, TypeCertRequest)
	b = binary.LittleEndian.AppendUint32(b, sender)
	b = append(b, cookie[:]...)
	return b[:CertRequestSize]
}

// parseRetry decodes a Retry.
func parseRetry(b []byte) (receiver uint32, cookie [CookieSize]byte, err error) {
	if err := checkHeader(b, TypeRetry, " Retry"); err != nil {
		return 0, cookie, err
	}
	if len(b) != RetrySize {
		return 0, cookie, fmt.Errorf("%w: Retry is %d bytes, want %d", ErrMalformed, len(b), RetrySize)
	}
	copy(cookie[:], b[8:])
	return binary.LittleEndian.Uint32(b[4:8]), cookie, nil
}

func marshalRetry(receiver uint32, cookie *[CookieSize]byte) []byte {
	b := make([]byte, 0, RetrySize)
	b = header(b, TypeRetry)
	b = binary.LittleEndian.AppendUint32(b, receiver)
	return append(b, cookie[:]...)
}

// parseCertReply decodes a CertReply of at most maxSize bytes. The certificate aliases b.
func parseCertReply(b []byte, maxSize int) (receiver uint32, cert []byte, err error) {
	if err := checkHeader(b, TypeCertReply, " CertReply"); err != nil {
		return 0, nil, err
	}
	if len(b) <= CertReplyOverhead || len(b) > maxSize {
		return 0, nil, fmt.Errorf("%w: CertReply is %d bytes, want %d to %d", ErrMalformed, len(b), CertReplyOverhead+1, maxSize)
	}
	return binary.LittleEndian.Uint32(b[4:8]), b[CertReplyOverhead:], nil
}

func marshalCertReply(receiver uint32, cert []byte) []byte {
	b := make([]byte, 0, CertReplyOverhead+len(cert))
	b = header(b, TypeCertReply)
	b = binary.LittleEndian.AppendUint32(b, receiver)
	return append(b, cert...)
}

// parseFragment decodes a Fragment header. It checks only the encoding; the reassembler checks
// the fields against its limits.
func parseFragment(b []byte) (*fragment, error) {
	if len(b) <= FragmentHeaderSize || b[0] != TypeFragment {
		return nil, fmt.Errorf("%w: Fragment is %d bytes, want more than %d", ErrMalformed, len(b), FragmentHeaderSize)
	}
	if b[3] != 0 {
		return nil, fmt.Errorf("%w: Fragment has a non-zero reserved byte", ErrMalformed)
	}
	return &fragment{
		index:   b[1],
		count:   b[2],
		id:      binary.LittleEndian.Uint32(b[4:8]),
		payload: b[FragmentHeaderSize:],
	}, nil
}

func (f *fragment) marshal() []byte {
	b := make([]byte, 0, FragmentHeaderSize+len(f.payload))
	b = append(b, TypeFragment, f.index, f.count, 0)
	b = binary.LittleEndian.AppendUint32(b, f.id)
	return append(b, f.payload...)
}

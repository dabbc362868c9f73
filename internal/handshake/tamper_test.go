package handshake

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// field is a byte range of a message, a "position class" for tampering.
type field struct {
	name     string
	off, end int
}

// mutants returns copies of msg with one bit flipped at the first, middle and last byte of
// each field, with bit 0 and bit 7.
func mutants(msg []byte, fields []field) (names []string, out [][]byte) {
	for _, f := range fields {
		for _, pos := range []int{f.off, (f.off + f.end) / 2, f.end - 1} {
			for _, bit := range []byte{0x01, 0x80} {
				b := bytes.Clone(msg)
				b[pos] ^= bit
				names = append(names, f.name)
				out = append(out, b)
			}
		}
	}
	return names, out
}

// truncations returns msg cut at the boundaries of its fields and around them, and msg with
// one byte appended.
func truncations(msg []byte, fields []field) [][]byte {
	lens := map[int]bool{0: true, 1: true, 3: true, len(msg) - 1: true}
	for _, f := range fields {
		for _, n := range []int{f.off - 1, f.off, f.off + 1, f.end - 1} {
			if n >= 0 && n < len(msg) {
				lens[n] = true
			}
		}
	}
	var out [][]byte
	for n := range lens {
		out = append(out, msg[:n])
	}
	return append(out, append(bytes.Clone(msg), 0))
}

func initiationFields(n int) []field {
	return []field{
		{"header", 0, 4}, {"sender", 4, 8}, {"ephemeral X25519", 8, 40},
		{"ephemeral ML-KEM key", 40, 40 + ekSize}, {"ML-KEM ciphertext", 40 + ekSize, 40 + ekSize + ctSize},
		{"encrypted certificate", 40 + ekSize + ctSize, n - 60}, {"encrypted timestamp", n - 60, n - 32},
		{"mac1", n - 32, n - 16}, {"mac2", n - 16, n},
	}
}

var responseFields = []field{
	{"header", 0, 4}, {"sender", 4, 8}, {"receiver", 8, 12}, {"ephemeral X25519", 12, 44},
	{"ML-KEM ciphertext to the ephemeral key", 44, 44 + ctSize},
	{"ML-KEM ciphertext to the static key", 44 + ctSize, 44 + 2*ctSize},
	{"encrypted empty", 44 + 2*ctSize, 60 + 2*ctSize}, {"mac1", 60 + 2*ctSize, 76 + 2*ctSize},
	{"mac2", 76 + 2*ctSize, ResponseSize},
}

// withMAC1 recomputes the mac1 of msg for the node whose certificate hash is certHash and clears
// mac2, as an attacker who knows the certificate can.
func withMAC1(msg []byte, certHash [32]byte) []byte {
	b := bytes.Clone(msg)
	key := labeledHash(labelMAC1, certHash[:])
	m1 := mac(key[:], b[:len(b)-2*MACSize])
	copy(b[len(b)-2*MACSize:], m1[:])
	clear(b[len(b)-MACSize:])
	return b
}

func TestTamperedInitiation(t *testing.T) {
	for _, cached := range []bool{false, true} {
		name := map[bool]string{false: "full certificate", true: "cached certificate"}[cached]
		t.Run(name, func(t *testing.T) {
			a, b := pair(t)
			now := t0
			if cached {
				handshake(t, now, a, b, b.cert)
				now = now.Add(time.Second)
			}
			dgs, err := a.m.Initiate(now, b.addr, b.cert)
			if err != nil {
				t.Fatal(err)
			}
			msg := oneMessage(t, dgs)
			fields := initiationFields(len(msg))
			refuse := func(what string, b2 []byte, m *Machine) {
				t.Helper()
				res, err := m.Receive(now, a.addr, b2)
				if err == nil || res.Established != nil {
					t.Errorf("%s: accepted", what)
				}
				if len(res.Send) != 0 && !errors.Is(err, ErrCookieRequired) {
					t.Errorf("%s: answered with %d datagrams", what, len(res.Send))
				}
			}
			for _, cut := range truncations(msg, fields) {
				refuse("truncated", cut, b.m)
			}
			// Every field is covered by mac1; mac2 is checked under load.
			b.m.SetUnderLoad(true)
			names, bad := mutants(msg, fields)
			for i := range bad {
				refuse(names[i], bad[i], b.m)
			}
			b.m.SetUnderLoad(false)
			// An attacker who recomputes mac1 meets the key exchange: every field but the
			// sender index (which is not authenticated, as in WireGuard) is bound to the keys.
			for i := range bad {
				if names[i] == "sender" || names[i] == "mac1" || names[i] == "mac2" {
					continue
				}
				deep := withMAC1(bad[i], b.cert.Hash)
				refuse(names[i]+" with mac1 recomputed", deep, b.m)
				if _, err := b.m.Receive(now, a.addr, deep); errors.Is(err, ErrMAC) {
					t.Errorf("%s with mac1 recomputed stopped at mac1", names[i])
				}
			}
			// None of this spoiled the responder's state.
			if _, err := b.m.Receive(now, a.addr, msg); err != nil {
				t.Fatalf("genuine Initiation after tampered ones: %v", err)
			}
		})
	}
}

func TestTamperedResponse(t *testing.T) {
	a, b := pair(t)
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.m.Receive(t0, a.addr, oneMessage(t, dgs))
	if err != nil {
		t.Fatal(err)
	}
	msg := oneMessage(t, res.Send)
	refuse := func(what string, b2 []byte) {
		t.Helper()
		res, err := a.m.Receive(t0, b.addr, b2)
		if err == nil || res.Established != nil || len(res.Send) != 0 {
			t.Errorf("%s: accepted (err = %v)", what, err)
		}
	}
	for _, cut := range truncations(msg, responseFields) {
		refuse("truncated", cut)
	}
	names, bad := mutants(msg, responseFields)
	for i := range bad {
		refuse(names[i], bad[i])
		if names[i] == "sender" || names[i] == "mac1" || names[i] == "mac2" {
			continue
		}
		deep := withMAC1(bad[i], a.cert.Hash)
		refuse(names[i]+" with mac1 recomputed", deep)
		if _, err := a.m.Receive(t0, b.addr, deep); errors.Is(err, ErrMAC) {
			t.Errorf("%s with mac1 recomputed stopped at mac1", names[i])
		}
	}
	r, err := a.m.Receive(t0, b.addr, msg)
	if err != nil || r.Established == nil {
		t.Fatalf("genuine Response after tampered ones: %v", err)
	}
}

func TestTamperedSmallMessages(t *testing.T) {
	a, b := pair(t)

	// CookieReply.
	b.m.SetUnderLoad(true)
	dgs, _ := a.m.Initiate(t0, b.addr, b.cert)
	res, _ := b.m.Receive(t0, a.addr, oneMessage(t, dgs))
	reply := res.Send[0].Data
	fields := []field{{"header", 0, 4}, {"receiver", 4, 8}, {"nonce", 8, 32}, {"encrypted cookie", 32, 64}}
	for _, cut := range truncations(reply, fields) {
		if r, err := a.m.Receive(t0, b.addr, cut); err == nil || len(r.Send) != 0 {
			t.Errorf("truncated CookieReply accepted")
		}
	}
	names, bad := mutants(reply, fields)
	for i := range bad {
		if r, err := a.m.Receive(t0, b.addr, bad[i]); err == nil || len(r.Send) != 0 {
			t.Errorf("CookieReply %s tampered: accepted", names[i])
		}
	}
	if r, err := a.m.Receive(t0, b.addr, reply); err != nil || len(r.Send) == 0 {
		t.Errorf("genuine CookieReply after tampered ones: %v", err)
	}

	// CertRequest: the header and the padding are checked, the cookie is checked against the
	// address; the sender index is plaintext and not authenticated.
	fetch, _ := a.m.Initiate(t0, addrPortWith(b.addr, 1), nil)
	req := fetch[0].Data
	fields = []field{{"header", 0, 4}, {"cookie", 8, 24}, {"padding", 24, CertRequestSize}}
	for _, cut := range truncations(req, fields) {
		if r, err := b.m.Receive(t0, a.addr, cut); err == nil || len(r.Send) != 0 {
			t.Errorf("truncated CertRequest (%d bytes) accepted", len(cut))
		}
	}
	names, bad = mutants(req, fields)
	for i := range bad {
		r, err := b.m.Receive(t0, a.addr, bad[i])
		if err == nil {
			t.Errorf("CertRequest %s tampered: accepted", names[i])
		}
		for _, d := range r.Send {
			if d.Data[0] != TypeRetry {
				t.Errorf("CertRequest %s tampered: answered with type %#x", names[i], d.Data[0])
			}
		}
	}

	// Retry and CertReply: the receiver index must match and the certificate must verify. A
	// Retry's cookie is plaintext by design: a wrong one only earns another Retry.
	index, _, _ := parseCertRequest(req)
	retry := marshalRetry(index, &[CookieSize]byte{})
	fields = []field{{"header", 0, 4}, {"receiver", 4, 8}}
	names, bad = mutants(retry, fields)
	for _, cut := range truncations(retry, fields) {
		bad = append(bad, cut)
		names = append(names, "truncated")
	}
	for i := range bad {
		if r, err := a.m.Receive(t0, b.addr, bad[i]); err == nil || len(r.Send) != 0 {
			t.Errorf("Retry %s tampered: accepted", names[i])
		}
	}
	certReply := marshalCertReply(index, b.raw)
	fields = []field{{"header", 0, 4}, {"receiver", 4, 8}, {"certificate", 8, len(certReply)}}
	names, bad = mutants(certReply, fields)
	for _, cut := range truncations(certReply, fields) {
		bad = append(bad, cut)
		names = append(names, "truncated")
	}
	for i := range bad {
		if r, err := a.m.Receive(t0, b.addr, bad[i]); err == nil || len(r.Send) != 0 {
			t.Errorf("CertReply %s tampered: accepted", names[i])
		}
	}
	if r, err := a.m.Receive(t0, b.addr, certReply); err != nil || len(r.Send) == 0 {
		t.Errorf("genuine CertReply after tampered ones: %v", err)
	}
}

func TestReceiveRefusesNonHandshake(t *testing.T) {
	a, _ := pair(t)
	tests := []struct {
		name string
		msg  []byte
	}{
		{"empty", nil},
		{"transport data", append([]byte{TypeTransportData, 0, 0, 0}, make([]byte, 28)...)},
		{"unknown type", []byte{0x09, 0, 0, 0}},
		{"type zero", []byte{0, 0, 0, 0}},
		{"too long", append([]byte{TypeInitiation, 0, 0, 0}, make([]byte, MaxMessageSize)...)},
	}
	for _, tt := range tests {
		res, err := a.m.Receive(t0, a.addr, tt.msg)
		if !errors.Is(err, ErrMalformed) || len(res.Send) != 0 {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if got := a.m.Stats().Dropped; got != uint64(len(tests)) {
		t.Errorf("Dropped = %d, want %d", got, len(tests))
	}
}

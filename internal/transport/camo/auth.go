package camo

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"
)

// The authentication token, sent base64url-encoded (no padding, canonical) as the value of the
// session cookie of the client's request:
//
//	version (1 byte, tokenVersion) | flags (1) | time (8, Unix seconds, big-endian) |
//	nonce (16) | port (2, big-endian; the client's listening port, 0 for none) | tag (16)
//
// tag = HMAC-SHA256(authKey, "x0tta6bl4 camo client" | the 28 bytes before it | binding)[:16],
// where authKey = HKDF-SHA256(key, salt = none, info = "x0tta6bl4 camo auth v1", 32 bytes).
//
// With flagBound set, binding is the TLS connection's exporter (RFC 8446 section 7.5, label
// bindingLabel, no context, 32 bytes), the channel binding of RFC 9266: the token is then valid
// only on the TLS connection it was made for, so a TLS interceptor that terminates the client's
// connection cannot relay it to the server. Without the flag, binding is empty: the token
// survives a TLS-terminating CDN or proxy, which is what ModeWebSocket is for.
//
// The server's proof, the cookie of its 101 response, is
// HMAC-SHA256(authKey, "x0tta6bl4 camo server" | token)[:16], base64url-encoded.
const (
	tokenVersion = 1
	flagBound    = 1 << 0 // the tag covers the TLS exporter
	nonceSize    = 16
	tagSize      = 16
	tokenBody    = 2 + 8 + nonceSize + 2
	tokenSize    = tokenBody + tagSize
	proofSize    = 16
	bindingSize  = 32

	authInfo     = "x0tta6bl4 camo auth v1"
	clientLabel  = "x0tta6bl4 camo client"
	serverLabel  = "x0tta6bl4 camo server"
	bindingLabel = "EXPORTER-x0tta6bl4-camo-binding"
)

// Offsets of the token's fields.
const (
	offFlags = 1
	offTime  = 2
	offNonce = offTime + 8
	offPort  = offNonce + nonceSize
)

// channelBinding returns the TLS exporter value that a bound token covers.
func channelBinding(cs tls.ConnectionState) ([]byte, error) {
	b, err := cs.ExportKeyingMaterial(bindingLabel, nil, bindingSize)
	if err != nil {
		return nil, fmt.Errorf("camo: channel binding: %w", err)
	}
	return b, nil
}

// token is a decoded authentication token.
type token struct {
	raw   [tokenSize]byte
	time  int64
	port  uint16
	bound bool // the tag covers the TLS channel binding
}

// authenticator makes and checks tokens and proofs under one key, and remembers accepted tokens.
// It is safe for concurrent use.
type authenticator struct {
	key []byte // authKey

	mu       sync.Mutex
	cur, old map[[tagSize]byte]struct{} // the replay cache's two generations
	rotated  time.Time                  // when cur was started
}

func newAuthenticator(secret []byte) (*authenticator, error) {
	k, err := hkdf.Key(sha256.New, secret, nil, authInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("camo: derive auth key: %w", err)
	}
	return &authenticator{key: k, cur: make(map[[tagSize]byte]struct{})}, nil
}

func (a *authenticator) mac(label string, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, a.key)
	io.WriteString(m, label)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// newToken returns a fresh encoded token for the time now and the listening port, bound to the
// TLS connection whose exporter value is binding, or unbound when binding is nil.
func (a *authenticator) newToken(rand io.Reader, now time.Time, port uint16, binding []byte) (string, error) {
	var t [tokenSize]byte
	t[0] = tokenVersion
	if binding != nil {
		t[offFlags] = flagBound
	}
	binary.BigEndian.PutUint64(t[offTime:], uint64(now.Unix()))
	if _, err := io.ReadFull(rand, t[offNonce:offPort]); err != nil {
		return "", fmt.Errorf("camo: token nonce: %w", err)
	}
	binary.BigEndian.PutUint16(t[offPort:], port)
	copy(t[tokenBody:], a.mac(clientLabel, t[:tokenBody], binding))
	return base64.RawURLEncoding.EncodeToString(t[:]), nil
}

// parseToken decodes s and checks its MAC — against binding, the exporter value of the TLS
// connection it arrived on, if the token is bound — but neither its time nor the replay cache.
func (a *authenticator) parseToken(s string, binding []byte) (token, error) {
	var t token
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenSize) {
		return t, fmt.Errorf("%w: length %d", ErrBadToken, len(s))
	}
	if n, err := base64.RawURLEncoding.Strict().Decode(t.raw[:], []byte(s)); err != nil || n != tokenSize {
		return t, fmt.Errorf("%w: encoding", ErrBadToken)
	}
	if t.raw[0] != tokenVersion {
		return t, fmt.Errorf("%w: version %d", ErrBadToken, t.raw[0])
	}
	switch t.raw[offFlags] {
	case 0:
		binding = nil
	case flagBound:
		if len(binding) != bindingSize {
			return t, fmt.Errorf("%w: bound token without a TLS channel binding", ErrBadToken)
		}
	default:
		return t, fmt.Errorf("%w: flags %#x", ErrBadToken, t.raw[offFlags])
	}
	if !hmac.Equal(t.raw[tokenBody:], a.mac(clientLabel, t.raw[:tokenBody], binding)[:tagSize]) {
		return t, fmt.Errorf("%w: MAC", ErrBadToken)
	}
	t.time = int64(binary.BigEndian.Uint64(t.raw[offTime:]))
	t.port = binary.BigEndian.Uint16(t.raw[offPort:])
	t.bound = binding != nil
	return t, nil
}

// accept parses s (see parseToken) and accepts it if its time is within MaxClockSkew of now and
// it was not accepted before. Acceptance is recorded: the same token again fails with ErrReplay.
func (a *authenticator) accept(s string, now time.Time, binding []byte) (token, error) {
	t, err := a.parseToken(s, binding)
	if err != nil {
		return t, err
	}
	skew := now.Unix() - t.time
	if skew > int64(MaxClockSkew/time.Second) || -skew > int64(MaxClockSkew/time.Second) {
		return t, fmt.Errorf("%w: %d s from the clock", ErrStaleToken, skew)
	}
	var id [tagSize]byte
	copy(id[:], t.raw[tokenBody:])
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rotate(now)
	if _, ok := a.cur[id]; ok {
		return t, ErrReplay
	}
	if _, ok := a.old[id]; ok {
		return t, ErrReplay
	}
	if len(a.cur) >= MaxReplayEntries {
		return t, fmt.Errorf("%w: replay cache full", ErrReplay)
	}
	a.cur[id] = struct{}{}
	return t, nil
}

// rotate starts a new generation of the replay cache every 2*MaxClockSkew. A token is valid for
// 2*MaxClockSkew (its time ± MaxClockSkew); an entry stays in cur or old for at least that long
// after it is added, so a token cannot outlive its entry.
func (a *authenticator) rotate(now time.Time) {
	if a.rotated.IsZero() {
		a.rotated = now
		return
	}
	age := now.Sub(a.rotated)
	switch {
	case age >= 4*MaxClockSkew || age < 0:
		// Both generations have expired (or the clock stepped back): start afresh, but keep the
		// current entries as old ones in case the clock went backwards.
		a.old, a.cur, a.rotated = a.cur, make(map[[tagSize]byte]struct{}), now
	case age >= 2*MaxClockSkew:
		a.old, a.cur = a.cur, make(map[[tagSize]byte]struct{})
		a.rotated = a.rotated.Add(2 * MaxClockSkew)
	}
}

// proof returns the server's encoded proof for the encoded token s.
func (a *authenticator) proof(s string) string {
	return base64.RawURLEncoding.EncodeToString(a.mac(serverLabel, []byte(s))[:proofSize])
}

// checkProof reports whether p is the server's proof for the token s.
func (a *authenticator) checkProof(s, p string) bool {
	var got [proofSize]byte
	if len(p) != base64.RawURLEncoding.EncodedLen(proofSize) {
		return false
	}
	if n, err := base64.RawURLEncoding.Strict().Decode(got[:], []byte(p)); err != nil || n != proofSize {
		return false
	}
	return hmac.Equal(got[:], a.mac(serverLabel, []byte(s))[:proofSize])
}

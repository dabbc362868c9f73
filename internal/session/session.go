// Package session is the authenticated encryption channel that follows a handshake, in the
// manner of wireguard-go's keypair and replay filter.
//
// A Session seals payloads into data frames and opens the peer's frames:
//
//	byte 0       TypeData (0x04)
//	bytes 1-3    zero
//	bytes 4-7    receiver index, little endian
//	bytes 8-15   counter, little endian
//	bytes 16-    ChaCha20-Poly1305 ciphertext of the payload, then its 16-byte tag
//
// The nonce is four zero bytes followed by the counter (little endian) and the additional data
// is the 16-byte header, so no header bit can be changed without detection. A keepalive is a
// frame with an empty payload.
//
// Each direction has its own key. Sending counters start at zero and are taken atomically;
// received counters pass a 2048-counter sliding replay window (RFC 6479) after, and only
// after, the frame has been authenticated. Sessions do no I/O and run no timers: NeedsRekey and
// Expired tell the caller when to act.
package session

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Limits overrides the timers and message limits of one session. A zero field takes the
// package default (RekeyAfterTime, RejectAfterTime, RekeyAfterMessages, RejectAfterMessages).
// Limits may only tighten the defaults; tests use it to reach the limits quickly.
type Limits struct {
	// RekeyAfterTime is the session age at which NeedsRekey reports true.
	RekeyAfterTime time.Duration
	// RejectAfterTime is the session age at which the session expires.
	RejectAfterTime time.Duration
	// RekeyAfterMessages is the number of sealed frames at which NeedsRekey reports true.
	RekeyAfterMessages uint64
	// RejectAfterMessages is the number of frames the session may seal; no counter at or above
	// it is sealed or opened.
	RejectAfterMessages uint64
}

// withDefaults fills zero fields and checks the result.
func (l Limits) withDefaults() (Limits, error) {
	if l.RekeyAfterTime == 0 {
		l.RekeyAfterTime = RekeyAfterTime
	}
	if l.RejectAfterTime == 0 {
		l.RejectAfterTime = RejectAfterTime
	}
	if l.RekeyAfterMessages == 0 {
		l.RekeyAfterMessages = RekeyAfterMessages
	}
	if l.RejectAfterMessages == 0 {
		l.RejectAfterMessages = RejectAfterMessages
	}
	switch {
	case l.RekeyAfterTime < 0 || l.RejectAfterTime < 0:
		return l, fmt.Errorf("%w: negative time limit", ErrInvalidParams)
	case l.RejectAfterTime > RejectAfterTime:
		return l, fmt.Errorf("%w: RejectAfterTime %v above the protocol limit %v", ErrInvalidParams, l.RejectAfterTime, RejectAfterTime)
	case l.RejectAfterMessages > RejectAfterMessages:
		return l, fmt.Errorf("%w: RejectAfterMessages %d above the protocol limit %d", ErrInvalidParams, l.RejectAfterMessages, RejectAfterMessages)
	case l.RekeyAfterTime > l.RejectAfterTime:
		return l, fmt.Errorf("%w: RekeyAfterTime %v after RejectAfterTime %v", ErrInvalidParams, l.RekeyAfterTime, l.RejectAfterTime)
	case l.RekeyAfterMessages > l.RejectAfterMessages:
		return l, fmt.Errorf("%w: RekeyAfterMessages %d above RejectAfterMessages %d", ErrInvalidParams, l.RekeyAfterMessages, l.RejectAfterMessages)
	}
	return l, nil
}

// Params are the inputs of New: the keys and indices a completed handshake produced.
type Params struct {
	// SendKey encrypts our frames; it is the peer's RecvKey.
	SendKey [chacha20poly1305.KeySize]byte
	// RecvKey decrypts the peer's frames; it is the peer's SendKey.
	RecvKey [chacha20poly1305.KeySize]byte
	// LocalIndex is the receiver index the peer puts in the frames it sends us.
	LocalIndex uint32
	// RemoteIndex is the receiver index we put in the frames we send the peer.
	RemoteIndex uint32
	// Initiator reports whether we started the handshake. A responder session may not seal
	// until it has opened the initiator's first frame (see Confirmed).
	Initiator bool
	// Created is the time the handshake completed; timers count from it. It must not be zero.
	Created time.Time
	// Limits optionally tightens the timers and message limits.
	Limits Limits
}

// aeads holds the two ciphers of a live session; Close swaps it for nil.
type aeads struct {
	send, recv cipher.AEAD
}

// Session is one established channel with a peer. It is safe for concurrent use by any number
// of goroutines sealing and opening.
type Session struct {
	keys        atomic.Pointer[aeads]
	localIndex  uint32
	remoteIndex uint32
	initiator   bool
	created     time.Time
	limits      Limits

	sendCounter atomic.Uint64 // next counter to seal
	confirmed   atomic.Bool

	mu     sync.Mutex // guards replay
	replay replayFilter

	st stats
}

// New returns a session for the keys of a completed handshake. It refuses all-zero keys, equal
// send and receive keys (which would let an attacker reflect our own frames back at us), a zero
// Created time and Limits looser than the protocol's. New erases its copy of the keys before
// returning; the caller should erase the Params it passed.
func New(p Params) (*Session, error) {
	defer clear(p.SendKey[:])
	defer clear(p.RecvKey[:])
	var zero [chacha20poly1305.KeySize]byte
	switch {
	case p.SendKey == zero || p.RecvKey == zero:
		return nil, fmt.Errorf("%w: all-zero key", ErrInvalidParams)
	case p.SendKey == p.RecvKey:
		return nil, fmt.Errorf("%w: send and receive keys are equal", ErrInvalidParams)
	case p.Created.IsZero():
		return nil, fmt.Errorf("%w: zero creation time", ErrInvalidParams)
	}
	limits, err := p.Limits.withDefaults()
	if err != nil {
		return nil, err
	}
	send, err := chacha20poly1305.New(p.SendKey[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidParams, err)
	}
	recv, err := chacha20poly1305.New(p.RecvKey[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidParams, err)
	}
	s := &Session{
		localIndex:  p.LocalIndex,
		remoteIndex: p.RemoteIndex,
		initiator:   p.Initiator,
		created:     p.Created,
		limits:      limits,
	}
	s.keys.Store(&aeads{send: send, recv: recv})
	s.confirmed.Store(p.Initiator)
	return s, nil
}

// LocalIndex returns the receiver index of the frames this session opens.
func (s *Session) LocalIndex() uint32 { return s.localIndex }

// RemoteIndex returns the receiver index of the frames this session seals.
func (s *Session) RemoteIndex() uint32 { return s.remoteIndex }

// Initiator reports whether this side started the handshake.
func (s *Session) Initiator() bool { return s.initiator }

// Created returns the time the session was created.
func (s *Session) Created() time.Time { return s.created }

// Confirmed reports whether the peer has proved it holds the session keys. An initiator's
// session is confirmed from the start (the handshake response proved it); a responder's
// becomes confirmed when Open first accepts a frame, normally the keepalive the initiator
// sends right after the handshake.
func (s *Session) Confirmed() bool { return s.confirmed.Load() }

// NeedsRekey reports whether a new handshake should be started: the session is at least
// RekeyAfterTime old or has sealed RekeyAfterMessages frames. In WireGuard only the initiator
// rekeys on age; that policy is the caller's.
func (s *Session) NeedsRekey(now time.Time) bool {
	return now.Sub(s.created) >= s.limits.RekeyAfterTime || s.sendCounter.Load() >= s.limits.RekeyAfterMessages
}

// Expired reports whether the session is at least RejectAfterTime old. Open refuses frames of
// an expired session; Seal takes no time and does not check, so the caller must stop sealing
// on a session once Expired reports true.
func (s *Session) Expired(now time.Time) bool {
	return now.Sub(s.created) >= s.limits.RejectAfterTime
}

// Close makes every later Seal and Open fail with ErrClosed. It drops the session's ciphers;
// golang.org/x/crypto/chacha20poly1305 keeps its own copy of each key inside the cipher and
// offers no way to erase it, so those copies are released to the garbage collector, not wiped.
// Seal and Open calls already running finish normally. Close is idempotent.
func (s *Session) Close() {
	s.keys.Store(nil)
}

// Seal appends a frame carrying payload to dst and returns the extended slice. An empty payload
// makes a keepalive. payload must not overlap the spare capacity of dst unless it starts exactly
// at dst[len(dst)+HeaderSize:] (in-place encryption).
//
// Seal fails with ErrClosed after Close, ErrNotConfirmed on an unconfirmed responder session,
// ErrPayloadTooLarge beyond MaxPayloadSize and ErrExhausted once RejectAfterMessages frames have
// been sealed; a counter is never used twice, whatever the concurrency.
func (s *Session) Seal(dst, payload []byte) ([]byte, error) {
	k := s.keys.Load()
	if k == nil {
		return nil, ErrClosed
	}
	if len(payload) > MaxPayloadSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrPayloadTooLarge, len(payload), MaxPayloadSize)
	}
	if !s.confirmed.Load() {
		return nil, ErrNotConfirmed
	}
	counter, ok := s.nextCounter()
	if !ok {
		return nil, fmt.Errorf("%w: %d frames sealed", ErrExhausted, s.limits.RejectAfterMessages)
	}
	start := len(dst)
	dst = append(dst, TypeData, 0, 0, 0)
	dst = binary.LittleEndian.AppendUint32(dst, s.remoteIndex)
	dst = binary.LittleEndian.AppendUint64(dst, counter)
	var nonce [chacha20poly1305.NonceSize]byte
	binary.LittleEndian.PutUint64(nonce[4:], counter)
	// As crypto/tls does for TLS 1.3 records, the header already in dst is the additional data;
	// the cipher writes only past it.
	dst = k.send.Seal(dst, nonce[:], payload, dst[start:start+HeaderSize])
	s.st.framesSealed.Add(1)
	s.st.bytesSealed.Add(uint64(HeaderSize + len(payload) + TagSize))
	return dst, nil
}

// nextCounter takes the next sending counter, or reports false once the limit is reached. A
// compare-and-swap loop, not an add, so that calls after exhaustion cannot push the counter
// round to zero and reuse a nonce.
func (s *Session) nextCounter() (uint64, bool) {
	for {
		c := s.sendCounter.Load()
		if c >= s.limits.RejectAfterMessages {
			return 0, false
		}
		if s.sendCounter.CompareAndSwap(c, c+1) {
			return c, true
		}
	}
}

// ParseHeader checks the size and fixed bytes of a data frame and returns its receiver index
// and counter, without authenticating anything. The result only routes the frame to a session;
// nothing in it may be trusted before Open accepts the frame.
func ParseHeader(frame []byte) (receiver uint32, counter uint64, err error) {
	switch {
	case len(frame) < MinFrameSize:
		return 0, 0, fmt.Errorf("%w: %d bytes, shorter than %d", ErrMalformed, len(frame), MinFrameSize)
	case len(frame) > MaxFrameSize:
		return 0, 0, fmt.Errorf("%w: %d bytes, longer than %d", ErrMalformed, len(frame), MaxFrameSize)
	case frame[0] != TypeData:
		return 0, 0, fmt.Errorf("%w: type %#02x, want %#02x", ErrMalformed, frame[0], TypeData)
	case frame[1]|frame[2]|frame[3] != 0:
		return 0, 0, fmt.Errorf("%w: reserved header bytes not zero", ErrMalformed)
	}
	return binary.LittleEndian.Uint32(frame[4:8]), binary.LittleEndian.Uint64(frame[8:16]), nil
}

// Open authenticates frame, appends its payload to dst and returns the extended slice; a
// keepalive adds nothing. The frame is authenticated first and only an authentic frame reaches
// the replay window, so forged frames cannot move it. The spare capacity of dst must not
// overlap frame, except for in-place decryption with dst = frame[HeaderSize:HeaderSize].
//
// Open fails with ErrClosed after Close, ErrMalformed for a frame that is not a data frame of a
// valid size, ErrWrongIndex for another session's frame, ErrExpired once the session is
// RejectAfterTime old at now, ErrExhausted for a counter at or above RejectAfterMessages,
// ErrAuth for a forged or damaged frame, ErrReplay for a counter already opened and ErrTooOld for
// a counter that fell out of the replay window. The first frame Open accepts confirms a
// responder session.
func (s *Session) Open(dst, frame []byte, now time.Time) ([]byte, error) {
	k := s.keys.Load()
	if k == nil {
		s.st.rejectedClosed.Add(1)
		return nil, ErrClosed
	}
	receiver, counter, err := ParseHeader(frame)
	if err != nil {
		s.st.rejectedMalformed.Add(1)
		return nil, err
	}
	if receiver != s.localIndex {
		s.st.rejectedIndex.Add(1)
		return nil, fmt.Errorf("%w: %d, this session is %d", ErrWrongIndex, receiver, s.localIndex)
	}
	if s.Expired(now) {
		s.st.rejectedExpired.Add(1)
		return nil, ErrExpired
	}
	if counter >= s.limits.RejectAfterMessages {
		s.st.rejectedExhausted.Add(1)
		return nil, fmt.Errorf("%w: counter %d", ErrExhausted, counter)
	}
	var nonce [chacha20poly1305.NonceSize]byte
	binary.LittleEndian.PutUint64(nonce[4:], counter)
	start := len(dst)
	out, err := k.recv.Open(dst, nonce[:], frame[HeaderSize:], frame[:HeaderSize])
	if err != nil {
		s.st.rejectedAuth.Add(1)
		return nil, ErrAuth
	}
	s.mu.Lock()
	r := s.replay.check(counter)
	s.mu.Unlock()
	switch r {
	case replayDuplicate:
		clear(out[start:])
		s.st.rejectedReplay.Add(1)
		return nil, fmt.Errorf("%w: counter %d", ErrReplay, counter)
	case replayTooOld:
		clear(out[start:])
		s.st.rejectedTooOld.Add(1)
		return nil, fmt.Errorf("%w: counter %d", ErrTooOld, counter)
	}
	if !s.confirmed.Load() {
		s.confirmed.Store(true)
	}
	s.st.framesOpened.Add(1)
	s.st.bytesOpened.Add(uint64(len(frame)))
	return out, nil
}

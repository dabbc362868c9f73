package timing

import (
	"bytes"
	"crypto/mlkem"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

// fill overwrites b with bytes from rng.
func fill(rng *rand.Rand, b []byte) {
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, rng.Uint64())
		b = b[8:]
	}
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// inputs prepares the input of each measurement the way dudect does, with the same work for
// both classes: random bytes are drawn for every call, and either they (class 1) or the fixed
// input (class 0) are copied into the one buffer the timed function reads. Only the data differs
// between the classes, not the code run or the memory touched before the call.
type inputs struct {
	fixed, random, work []byte
	keep                int // leading bytes of work that stay as in fixed (a frame header)
	rng                 *rand.Rand
}

// newInputs returns inputs around fixed, of which the first keep bytes are never randomised.
func newInputs(fixed []byte, keep int, rng *rand.Rand) *inputs {
	return &inputs{
		fixed:  fixed,
		random: make([]byte, len(fixed)),
		work:   bytes.Clone(fixed),
		keep:   keep,
		rng:    rng,
	}
}

// prepare fills work with the input of the next measurement of class.
func (in *inputs) prepare(class int) {
	fill(in.rng, in.random[in.keep:])
	src := in.random
	if class == 0 {
		src = in.fixed
	}
	copy(in.work[in.keep:], src[in.keep:])
}

// errForgeryAccepted reports a random forgery that session.Open accepted (probability 2^-128).
var errForgeryAccepted = errors.New("timing: forged frame accepted")

// DecapsulationCheck measures ML-KEM-768 decapsulation (crypto/mlkem) of one fixed valid
// ciphertext (class 0) against fresh random ciphertexts (class 1), which take FIPS 203's implicit
// rejection path. A constant-time implementation shows no difference. The decapsulation key is
// derived from rng: it is a throw-away measurement key. The valid ciphertext comes from
// crypto/mlkem's Encapsulate, which reads the system's randomness.
func DecapsulationCheck(n int, rng *rand.Rand) (Result, error) {
	if rng == nil {
		return Result{}, fmt.Errorf("%w: nil rng", ErrInvalidArgs)
	}
	seed := make([]byte, mlkem.SeedSize)
	fill(rng, seed)
	dk, err := mlkem.NewDecapsulationKey768(seed)
	if err != nil {
		return Result{}, fmt.Errorf("timing: ML-KEM key: %w", err)
	}
	_, valid := dk.EncapsulationKey().Encapsulate()
	in := newInputs(valid, 0, rng)
	var sink byte
	var failed error
	f := func() {
		k, err := dk.Decapsulate(in.work)
		if err != nil {
			failed = err
			return
		}
		sink ^= k[0]
	}
	r, err := Measure(n, func(class int) func() {
		in.prepare(class)
		return f
	}, rng)
	if err == nil && failed != nil {
		err = fmt.Errorf("timing: decapsulation: %w", failed)
	}
	_ = sink
	return r, err
}

// FrameAuthCheck measures session.Open of frames that fail authentication: one fixed forged
// frame (class 0) against fresh random forgeries (class 1), all with a valid header and a
// FrameAuthPayloadSize payload. Rejecting a forgery must not take a time that depends on its
// ciphertext or tag. The session keys are derived from rng: a throw-away measurement session.
func FrameAuthCheck(n int, rng *rand.Rand) (Result, error) {
	if rng == nil {
		return Result{}, fmt.Errorf("%w: nil rng", ErrInvalidArgs)
	}
	var p session.Params
	fill(rng, p.SendKey[:])
	fill(rng, p.RecvKey[:])
	p.LocalIndex = rng.Uint32()
	p.Created = time.Unix(0, 0)
	now := p.Created
	s, err := session.New(p)
	if err != nil {
		return Result{}, fmt.Errorf("timing: session: %w", err)
	}
	defer s.Close()
	size := session.HeaderSize + FrameAuthPayloadSize + session.TagSize
	fixed := make([]byte, size)
	fixed[0] = session.TypeData
	binary.LittleEndian.PutUint32(fixed[4:], p.LocalIndex)
	fill(rng, fixed[session.HeaderSize:])
	in := newInputs(fixed, session.HeaderSize, rng)
	out := make([]byte, 0, size)
	var failed error
	f := func() {
		switch _, err := s.Open(out[:0], in.work, now); {
		case err == nil:
			failed = errForgeryAccepted
		case !errors.Is(err, session.ErrAuth):
			failed = err
		}
	}
	r, err := Measure(n, func(class int) func() {
		in.prepare(class)
		return f
	}, rng)
	if err == nil && failed != nil {
		err = fmt.Errorf("timing: a forged frame was not refused as unauthentic: %w", failed)
	}
	return r, err
}

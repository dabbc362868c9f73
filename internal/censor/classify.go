package censor

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// ErrInvalidProbability reports a blocking probability outside (0, 1] given to NewCensor.
var ErrInvalidProbability = errors.New("censor: blocking probability outside (0, 1]")

// Exemption names the rule of Algorithm 1 that exempted a payload.
type Exemption int

// The exemptions of Algorithm 1, in the order the paper applies them.
const (
	// None means no exemption applied: the payload is flagged as fully encrypted.
	None Exemption = iota
	// Ex1 (entropy): the payload averages at most PopcountLow or at least PopcountHigh set bits
	// per byte.
	Ex1
	// Ex2: the first PrintablePrefixLen bytes are printable ASCII.
	Ex2
	// Ex3: more than PrintableFraction of the bytes are printable ASCII.
	Ex3
	// Ex4: more than PrintableRunLen contiguous bytes are printable ASCII.
	Ex4
	// Ex5: the payload starts like TLS (bytes [0x16-0x17] 0x03 [0x00-0x09]) or like an HTTP
	// request (GET, PUT, POST or HEAD and a space, in any case).
	Ex5
	// Empty: the payload is empty. The GFW examines the first packet that carries data; an empty
	// one is not examined.
	Empty
)

// String returns the paper's name of the exemption ("Ex1" … "Ex5"), "none" or "empty".
func (e Exemption) String() string {
	switch e {
	case None:
		return "none"
	case Ex1, Ex2, Ex3, Ex4, Ex5:
		return fmt.Sprintf("Ex%d", int(e))
	case Empty:
		return "empty"
	}
	return fmt.Sprintf("Exemption(%d)", int(e))
}

// Verdict is the classification of one first payload, with the measurements the rules use.
type Verdict struct {
	// Flagged reports that no exemption applied: the GFW would treat the connection as fully
	// encrypted and block it (with the probability a Censor models).
	Flagged bool
	// Exemption is the first rule, in Algorithm 1's order, that exempted the payload; None when
	// Flagged.
	Exemption Exemption
	// Popcount is the average number of set bits per byte (Ex1); 0 for an empty payload.
	Popcount float64
	// Printable is the fraction of printable ASCII bytes (Ex3); 0 for an empty payload.
	Printable float64
	// LongestRun is the longest run of contiguous printable ASCII bytes (Ex4).
	LongestRun int
}

// FullyEncrypted applies Algorithm 1 of Wu et al. to the first payload a client sends on a
// connection and reports whether it is flagged as fully encrypted traffic, or which exemption let
// it pass. It is a pure function of payload and never retains it.
//
// The paper measured the rule on TCP; it found UDP unaffected (section 6). Applying it to the
// first datagram of a UDP flow is the conservative assumption that a censor extends the same rule
// to UDP.
func FullyEncrypted(payload []byte) Verdict {
	if len(payload) == 0 {
		return Verdict{Exemption: Empty}
	}
	var ones, printable, run int
	v := Verdict{}
	for _, b := range payload {
		ones += bits.OnesCount8(b)
		if isPrintable(b) {
			printable++
			run++
			v.LongestRun = max(v.LongestRun, run)
		} else {
			run = 0
		}
	}
	n := float64(len(payload))
	v.Popcount = float64(ones) / n
	v.Printable = float64(printable) / n
	switch {
	case v.Popcount <= PopcountLow || v.Popcount >= PopcountHigh:
		v.Exemption = Ex1
	case printablePrefix(payload):
		v.Exemption = Ex2
	case v.Printable > PrintableFraction:
		v.Exemption = Ex3
	case v.LongestRun > PrintableRunLen:
		v.Exemption = Ex4
	case IsTLS(payload) || IsHTTP(payload):
		v.Exemption = Ex5
	default:
		v.Flagged = true
	}
	return v
}

// IsTLS reports whether payload starts like a TLS record as Ex5 matches it: a handshake (0x16)
// or application data (0x17) content type, then major version 3 and a minor version 0 to 9.
func IsTLS(payload []byte) bool {
	return len(payload) >= 3 && (payload[0] == 0x16 || payload[0] == 0x17) && payload[1] == 0x03 && payload[2] <= 0x09
}

// IsHTTP reports whether payload starts like an HTTP request as Ex5 matches it: GET, PUT, POST or
// HEAD followed by a space, in any case.
func IsHTTP(payload []byte) bool {
	// The methods the paper tested, each with the space it found required (section 4.3).
	for _, m := range [...]string{"GET ", "PUT ", "POST ", "HEAD "} {
		if len(payload) >= len(m) && bytes.EqualFold(payload[:len(m)], []byte(m)) {
			return true
		}
	}
	return false
}

// IsPrintable reports whether b is printable ASCII as the paper counts it: 0x20 to 0x7e.
func IsPrintable(b byte) bool { return isPrintable(b) }

func isPrintable(b byte) bool { return b >= PrintableMin && b <= PrintableMax }

func printablePrefix(p []byte) bool {
	if len(p) < PrintablePrefixLen {
		return false
	}
	for _, b := range p[:PrintablePrefixLen] {
		if !isPrintable(b) {
			return false
		}
	}
	return true
}

// Censor applies FullyEncrypted and then, as the GFW did, blocks a flagged connection only with
// a given probability. It is not safe for concurrent use: its random source is not.
type Censor struct {
	p   float64
	rng *rand.Rand
}

// NewCensor returns a Censor that blocks a flagged connection with probability p, in (0, 1]:
// DefaultBlockProbability (every flagged connection) or PaperBlockProbability (the GFW's measured
// rate). rng decides each block; it may be nil when p is 1.
func NewCensor(p float64, rng *rand.Rand) (*Censor, error) {
	if math.IsNaN(p) || p <= 0 || p > 1 {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProbability, p)
	}
	if p < 1 && rng == nil {
		return nil, fmt.Errorf("%w: probability %v needs a random source", ErrInvalidProbability, p)
	}
	return &Censor{p: p, rng: rng}, nil
}

// Blocks classifies the first payload of a connection and decides whether the connection is
// blocked: only a flagged payload can be, and then with the Censor's probability.
func (c *Censor) Blocks(firstPayload []byte) (Verdict, bool) {
	v := FullyEncrypted(firstPayload)
	if !v.Flagged {
		return v, false
	}
	return v, c.p >= 1 || c.rng.Float64() < c.p
}

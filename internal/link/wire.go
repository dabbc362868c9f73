package link

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Message is a decoded link message: a Hello or a HelloAck.
type Message interface {
	// Append appends the encoding of the message to b.
	Append(b []byte) ([]byte, error)
	// Type returns the first byte of the encoding.
	Type() byte
}

// Hello is the periodic probe sent to every neighbour. Its encoding is
// HelloSize bytes, integers big-endian:
//
//	0  type      TypeHello
//	1  reserved  zero
//	2  RxCount   hellos received from the addressee, of the last RxWindow
//	3  RxWindow  number of its hellos RxCount is measured over (0 = none yet)
//	4  Seq       32-bit sequence number, one more than the previous hello
//	8  Timestamp the sender's send time, opaque to the receiver
type Hello struct {
	// Seq is the sequence number of the hello; consecutive hellos to one
	// neighbour have consecutive numbers (wrapping at 2^32).
	Seq uint32
	// Timestamp is the sender's send time in nanoseconds since an epoch of
	// its own; the receiver only echoes it.
	Timestamp uint64
	// RxCount is how many of the addressee's last RxWindow hellos the
	// sender received.
	RxCount uint8
	// RxWindow is the number of hellos RxCount is measured over, at most
	// HelloWindow; zero means the sender has received none yet.
	RxWindow uint8
}

// HelloAck answers a Hello. Its encoding is HelloAckSize bytes, integers
// big-endian:
//
//	0  type      TypeHelloAck
//	1  reserved  three zero bytes
//	4  Seq       the Seq of the hello acknowledged
//	8  Timestamp the Timestamp of the hello acknowledged
//	16 Hold      nanoseconds between the hello's arrival and the ack's sending
type HelloAck struct {
	// Seq echoes the hello's sequence number.
	Seq uint32
	// Timestamp echoes the hello's timestamp.
	Timestamp uint64
	// Hold is how long the ack was held by its sender, in [0, MaxAckHold].
	Hold time.Duration
}

// Type returns TypeHello.
func (Hello) Type() byte { return TypeHello }

// Type returns TypeHelloAck.
func (HelloAck) Type() byte { return TypeHelloAck }

// Append appends the HelloSize-byte encoding of h to b. It refuses a hello
// whose RxWindow exceeds HelloWindow or whose RxCount exceeds RxWindow.
func (h Hello) Append(b []byte) ([]byte, error) {
	if err := h.check(); err != nil {
		return b, err
	}
	b = append(b, TypeHello, 0, h.RxCount, h.RxWindow)
	b = binary.BigEndian.AppendUint32(b, h.Seq)
	return binary.BigEndian.AppendUint64(b, h.Timestamp), nil
}

// Encode returns the encoding of h; see Append.
func (h Hello) Encode() ([]byte, error) { return h.Append(make([]byte, 0, HelloSize)) }

func (h Hello) check() error {
	if h.RxWindow > HelloWindow {
		return fmt.Errorf("%w: hello RxWindow %d exceeds %d", ErrMalformed, h.RxWindow, HelloWindow)
	}
	if h.RxCount > h.RxWindow {
		return fmt.Errorf("%w: hello RxCount %d exceeds RxWindow %d", ErrMalformed, h.RxCount, h.RxWindow)
	}
	return nil
}

// Append appends the HelloAckSize-byte encoding of a to b. It refuses a
// Hold outside [0, MaxAckHold].
func (a HelloAck) Append(b []byte) ([]byte, error) {
	if a.Hold < 0 || a.Hold > MaxAckHold {
		return b, fmt.Errorf("%w: ack hold %v is outside [0, %v]", ErrMalformed, a.Hold, MaxAckHold)
	}
	b = append(b, TypeHelloAck, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, a.Seq)
	b = binary.BigEndian.AppendUint64(b, a.Timestamp)
	return binary.BigEndian.AppendUint32(b, uint32(a.Hold)), nil
}

// Encode returns the encoding of a; see Append.
func (a HelloAck) Encode() ([]byte, error) { return a.Append(make([]byte, 0, HelloAckSize)) }

// DecodeHello decodes a Hello. It accepts exactly the encodings Append
// produces; any other input gives an error wrapping ErrMalformed or
// ErrVersion.
func DecodeHello(b []byte) (Hello, error) {
	if err := checkHeader(b, TypeHello, HelloSize); err != nil {
		return Hello{}, err
	}
	if b[1] != 0 {
		return Hello{}, fmt.Errorf("%w: hello reserved byte is %#x, want 0", ErrMalformed, b[1])
	}
	h := Hello{
		RxCount:   b[2],
		RxWindow:  b[3],
		Seq:       binary.BigEndian.Uint32(b[4:]),
		Timestamp: binary.BigEndian.Uint64(b[8:]),
	}
	if err := h.check(); err != nil {
		return Hello{}, err
	}
	return h, nil
}

// DecodeHelloAck decodes a HelloAck. It accepts exactly the encodings
// Append produces; any other input gives an error wrapping ErrMalformed or
// ErrVersion.
func DecodeHelloAck(b []byte) (HelloAck, error) {
	if err := checkHeader(b, TypeHelloAck, HelloAckSize); err != nil {
		return HelloAck{}, err
	}
	if b[1]|b[2]|b[3] != 0 {
		return HelloAck{}, fmt.Errorf("%w: ack reserved bytes are %x, want zero", ErrMalformed, b[1:4])
	}
	a := HelloAck{
		Seq:       binary.BigEndian.Uint32(b[4:]),
		Timestamp: binary.BigEndian.Uint64(b[8:]),
		Hold:      time.Duration(binary.BigEndian.Uint32(b[16:])),
	}
	if a.Hold > MaxAckHold {
		return HelloAck{}, fmt.Errorf("%w: ack hold %v exceeds %v", ErrMalformed, a.Hold, MaxAckHold)
	}
	return a, nil
}

// Decode decodes a Hello or a HelloAck, by its first byte.
func Decode(b []byte) (Message, error) {
	t, err := messageType(b)
	if err != nil {
		return nil, err
	}
	if t == TypeHello {
		h, err := DecodeHello(b)
		if err != nil {
			return nil, err
		}
		return h, nil
	}
	a, err := DecodeHelloAck(b)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// messageType returns the first byte of b if it is a known message type.
func messageType(b []byte) (byte, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: empty message", ErrMalformed)
	}
	if v := b[0] >> 4; v != Version {
		return 0, fmt.Errorf("%w: version %d, want %d", ErrVersion, v, Version)
	}
	if b[0] != TypeHello && b[0] != TypeHelloAck {
		return 0, fmt.Errorf("%w: unknown message type %#x", ErrMalformed, b[0])
	}
	return b[0], nil
}

func checkHeader(b []byte, typ byte, size int) error {
	t, err := messageType(b)
	if err != nil {
		return err
	}
	if t != typ {
		return fmt.Errorf("%w: message type %#x, want %#x", ErrMalformed, t, typ)
	}
	if len(b) != size {
		return fmt.Errorf("%w: message type %#x is %d bytes, want %d", ErrMalformed, t, len(b), size)
	}
	return nil
}

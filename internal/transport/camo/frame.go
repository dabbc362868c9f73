package camo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// A ModeTLS connection, after the 101 response, is a sequence of frames in each direction:
//
//	length (2 bytes, big-endian) | datagram (length bytes)
//
// The length field's largest value is MaxDatagramSize, so no frame can announce more than a
// datagram may hold; a zero-length datagram is a valid frame.

// writeFrame writes b as one frame to w (buffered: the caller flushes).
func writeFrame(w *bufio.Writer, b []byte) error {
	if len(b) > MaxDatagramSize {
		return fmt.Errorf("%w: %d-byte datagram", ErrFrame, len(b))
	}
	w.WriteByte(byte(len(b) >> 8)) // bytewise: a header array passed to Write would escape
	w.WriteByte(byte(len(b)))
	_, err := w.Write(b)
	return err
}

// readFrame reads one frame from r and returns its datagram in a new slice. It returns io.EOF
// when r ends cleanly between frames, and an error wrapping ErrFrame when it ends inside one.
func readFrame(r *bufio.Reader) ([]byte, error) {
	hi, err := r.ReadByte() // bytewise: an array passed to io.ReadFull would escape
	if err != nil {
		return nil, err
	}
	lo, err := r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: truncated length", ErrFrame)
		}
		return nil, err
	}
	b := make([]byte, int(hi)<<8|int(lo))
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: truncated datagram of %d bytes", ErrFrame, len(b))
		}
		return nil, err
	}
	return b, nil
}

package modelsync

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// Errors of the protocol. They are wrapped with detail; test for them with errors.Is.
var (
	// ErrProtocol reports a request or response that breaks the wire format.
	ErrProtocol = errors.New("modelsync: protocol error")
	// ErrNotFound reports a peer that holds no such version, or no version at all.
	ErrNotFound = errors.New("modelsync: version not found at peer")
	// ErrMismatch reports a record that is not the version the peer announced or was asked for.
	ErrMismatch = errors.New("modelsync: record is not the version asked for")
	// ErrUnusable is wrapped by Config.Accept's error for an authentic record whose payload the
	// node cannot run (node.ErrNotDetector wraps it).
	ErrUnusable = errors.New("modelsync: model payload not usable")
	// ErrInvalidConfig reports a Config a Syncer cannot run with.
	ErrInvalidConfig = errors.New("modelsync: invalid configuration")
)

// Request is what a client asks a server.
type Request struct {
	// Op is OpCurrent or OpRecord.
	Op byte
	// ID is the version asked for with OpRecord; zero with OpCurrent.
	ID registry.ID
}

// Current is a node's answer to OpCurrent.
type Current struct {
	// ID and Round name the current version.
	ID    registry.ID
	Round uint64
}

// AppendRequest appends the encoding of q to b.
func AppendRequest(b []byte, q Request) ([]byte, error) {
	switch {
	case q.Op == OpCurrent && q.ID.IsZero():
		return append(b, ProtocolVersion, OpCurrent), nil
	case q.Op == OpRecord && !q.ID.IsZero():
		return append(append(b, ProtocolVersion, OpRecord), q.ID[:]...), nil
	}
	return b, fmt.Errorf("%w: request op %d with ID %s", ErrProtocol, q.Op, q.ID.Short())
}

// ReadRequest reads one request from r: exactly its bytes, nothing after them.
func ReadRequest(r io.Reader) (Request, error) {
	var b [recordRequestSize]byte
	if _, err := io.ReadFull(r, b[:currentRequestSize]); err != nil {
		return Request{}, fmt.Errorf("%w: request header: %w", ErrProtocol, err)
	}
	if b[0] != ProtocolVersion {
		return Request{}, fmt.Errorf("%w: protocol version %d, want %d", ErrProtocol, b[0], ProtocolVersion)
	}
	switch b[1] {
	case OpCurrent:
		return Request{Op: OpCurrent}, nil
	case OpRecord:
		if _, err := io.ReadFull(r, b[currentRequestSize:]); err != nil {
			return Request{}, fmt.Errorf("%w: record request: %w", ErrProtocol, err)
		}
		id := registry.ID(b[currentRequestSize:])
		if id.IsZero() {
			return Request{}, fmt.Errorf("%w: record request for the zero ID", ErrProtocol)
		}
		return Request{Op: OpRecord, ID: id}, nil
	}
	return Request{}, fmt.Errorf("%w: unknown op %d", ErrProtocol, b[1])
}

// AppendCurrent appends the answer to OpCurrent to b: c, or StatusNone when ok is false.
func AppendCurrent(b []byte, c Current, ok bool) []byte {
	if !ok {
		return append(b, StatusNone)
	}
	b = append(append(b, StatusOK), c.ID[:]...)
	return binary.BigEndian.AppendUint64(b, c.Round)
}

// ReadCurrent reads an answer to OpCurrent from r up to its end: ErrNotFound for a peer with no
// version, ErrProtocol for anything but one well-formed answer.
func ReadCurrent(r io.Reader) (Current, error) {
	if err := readStatus(r, StatusNone); err != nil {
		return Current{}, err
	}
	var b [currentAnswerSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Current{}, fmt.Errorf("%w: current version: %w", ErrProtocol, err)
	}
	c := Current{ID: registry.ID(b[:registry.IDSize]), Round: binary.BigEndian.Uint64(b[registry.IDSize:])}
	if c.ID.IsZero() || c.Round == 0 {
		return Current{}, fmt.Errorf("%w: current version %s of round %d", ErrProtocol, c.ID.Short(), c.Round)
	}
	return c, expectEOF(r)
}

// AppendRecordHeader appends the start of an answer to OpRecord to b: StatusOK and the length of
// the record raw that follows it, or StatusNotFound when raw is nil.
func AppendRecordHeader(b []byte, raw []byte) ([]byte, error) {
	if raw == nil {
		return append(b, StatusNotFound), nil
	}
	if len(raw) == 0 || len(raw) > MaxRecordSize {
		return b, fmt.Errorf("%w: record of %d bytes", ErrProtocol, len(raw))
	}
	return binary.BigEndian.AppendUint32(append(b, StatusOK), uint32(len(raw))), nil
}

// ReadRecord reads an answer to OpRecord for want from r up to its end and parses the record:
// ErrNotFound for a peer without it, ErrProtocol for a malformed answer, ErrMismatch for a record
// of another ID. Memory grows with the bytes received, never beyond MaxRecordSize.
func ReadRecord(r io.Reader, want registry.ID) (*registry.Record, error) {
	if err := readStatus(r, StatusNotFound); err != nil {
		return nil, err
	}
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return nil, fmt.Errorf("%w: record length: %w", ErrProtocol, err)
	}
	n := binary.BigEndian.Uint32(lb[:])
	if n == 0 || int64(n) > int64(MaxRecordSize) {
		return nil, fmt.Errorf("%w: record of %d bytes, limit %d", ErrProtocol, n, MaxRecordSize)
	}
	var buf bytes.Buffer
	if got, err := io.CopyN(&buf, r, int64(n)); err != nil {
		return nil, fmt.Errorf("%w: record: %d of %d bytes: %w", ErrProtocol, got, n, err)
	}
	if err := expectEOF(r); err != nil {
		return nil, err
	}
	rec, err := registry.ParseRecord(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if rec.ID != want {
		return nil, fmt.Errorf("%w: asked for %s, got %s", ErrMismatch, want.Short(), rec.ID.Short())
	}
	return rec, nil
}

// readStatus reads a status byte: StatusOK, or notFound turned into ErrNotFound.
func readStatus(r io.Reader, notFound byte) error {
	var st [1]byte
	if _, err := io.ReadFull(r, st[:]); err != nil {
		return fmt.Errorf("%w: status: %w", ErrProtocol, err)
	}
	switch st[0] {
	case StatusOK:
		return nil
	case notFound:
		if err := expectEOF(r); err != nil {
			return err
		}
		return ErrNotFound
	}
	return fmt.Errorf("%w: status %d", ErrProtocol, st[0])
}

// expectEOF checks that r has nothing more: a response is one answer.
func expectEOF(r io.Reader) error {
	var b [1]byte
	n, err := io.ReadFull(r, b[:])
	switch {
	case n > 0:
		return fmt.Errorf("%w: trailing bytes after the answer", ErrProtocol)
	case errors.Is(err, io.EOF):
		return nil
	}
	return fmt.Errorf("%w: end of answer: %w", ErrProtocol, err)
}

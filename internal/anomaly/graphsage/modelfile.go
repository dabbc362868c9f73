package graphsage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Save writes the model as a version-1 model file:
//
//	magic "X0GSAGE\x00" | version u16 | aggregator u8 | head u8 | flags u8 | layers u8 |
//	in u32 | hidden u32 | classes u32 | parameter count u64 | parameters f64… | SHA-256
//
// Integers and floats are little-endian; flags bit 0 is Normalize and bit 1 RowNormalize; the
// SHA-256 covers everything before it.
func (m *Model) Save(w io.Writer) error {
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	hdr := make([]byte, 0, headerSize)
	hdr = append(hdr, fileMagic...)
	hdr = binary.LittleEndian.AppendUint16(hdr, FileVersion)
	var flags byte
	if m.arch.Normalize {
		flags |= flagNormalize
	}
	if m.arch.RowNormalize {
		flags |= flagRowNormalize
	}
	hdr = append(hdr, byte(m.arch.Aggregator), byte(m.arch.Head), flags, byte(m.arch.Layers))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(m.arch.InDim))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(m.arch.Hidden))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(m.arch.Classes))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(m.params)))
	bw.Write(hdr)
	var buf [8]byte
	for _, p := range m.params {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(p))
		bw.Write(buf[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("graphsage: save: %w", err)
	}
	if _, err := w.Write(h.Sum(nil)); err != nil {
		return fmt.Errorf("graphsage: save: %w", err)
	}
	return nil
}

// Load reads a model file written by Save. It refuses, with an error wrapping the named sentinel: a
// wrong magic (ErrMagic), another format version (ErrVersion), an invalid architecture or a parameter
// count that does not match it (ErrArchitecture), a file that ends early (ErrTruncated), one larger
// than MaxModelFileSize or with data after the hash (ErrTooLarge), a hash mismatch (ErrHash) and NaN
// or infinite parameters (ErrNonFinite). Memory use is bounded by the bytes actually read.
func Load(r io.Reader) (*Model, error) {
	h := sha256.New()
	tr := io.TeeReader(r, h)
	hdr := make([]byte, headerSize)
	if n, err := io.ReadFull(tr, hdr); err != nil {
		if !bytes.HasPrefix([]byte(fileMagic), hdr[:min(n, len(fileMagic))]) {
			return nil, ErrMagic
		}
		return nil, readErr("header", err)
	}
	if string(hdr[:len(fileMagic)]) != fileMagic {
		return nil, ErrMagic
	}
	p := hdr[len(fileMagic):]
	if v := binary.LittleEndian.Uint16(p); v != FileVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrVersion, v, FileVersion)
	}
	flags := p[4]
	if flags&^knownFlags != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#x", ErrArchitecture, flags)
	}
	arch := Architecture{
		Aggregator:   Aggregator(p[2]),
		Head:         Head(p[3]),
		Layers:       int(p[5]),
		InDim:        int(binary.LittleEndian.Uint32(p[6:])),
		Hidden:       int(binary.LittleEndian.Uint32(p[10:])),
		Classes:      int(binary.LittleEndian.Uint32(p[14:])),
		Normalize:    flags&flagNormalize != 0,
		RowNormalize: flags&flagRowNormalize != 0,
	}
	if err := arch.validateFields(); err != nil {
		return nil, err
	}
	want := arch.numParams()
	if want > MaxParams {
		return nil, fmt.Errorf("%w: the architecture needs %d parameters, more than %d bytes", ErrTooLarge, want, MaxModelFileSize)
	}
	if count := binary.LittleEndian.Uint64(p[18:]); count != uint64(want) {
		return nil, fmt.Errorf("%w: file has %d parameters, the architecture needs %d", ErrArchitecture, count, want)
	}
	params := make([]float64, 0, min(want, paramChunk))
	buf := make([]byte, 8*paramChunk)
	for left := want; left > 0; {
		n := min(left, paramChunk)
		if _, err := io.ReadFull(tr, buf[:8*n]); err != nil {
			return nil, readErr("parameters", err)
		}
		for i := 0; i < n; i++ {
			params = append(params, math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:])))
		}
		left -= n
	}
	sum := h.Sum(nil)
	var stored [hashSize]byte
	if _, err := io.ReadFull(r, stored[:]); err != nil {
		return nil, readErr("hash", err)
	}
	if !bytes.Equal(sum, stored[:]) {
		return nil, ErrHash
	}
	if n, _ := io.ReadFull(r, buf[:1]); n != 0 {
		return nil, fmt.Errorf("%w: data after the hash", ErrTooLarge)
	}
	m := newZero(arch)
	if err := m.SetParams(params); err != nil {
		return nil, err
	}
	return m, nil
}

// readErr classifies a read failure: an early end of input is ErrTruncated.
func readErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: in the %s", ErrTruncated, what)
	}
	return fmt.Errorf("graphsage: load %s: %w", what, err)
}

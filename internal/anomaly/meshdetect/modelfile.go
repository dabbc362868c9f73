package meshdetect

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
)

// statsSize is the length of the standardisation statistics: mean and standard deviation of
// every feature, float64.
const statsSize = 2 * NumFeatures * 8

// Save writes the detector as a version-1 detector file:
//
//	magic "X0MDET\x00\x00" | version u16 | schema u16 | features u32 | classes u32 |
//	model length u64 | mean f64 × features | std f64 × features | graphsage model file | SHA-256
//
// little-endian; the embedded model file is graphsage's own (with its own hash), and the SHA-256
// covers everything before it.
func (d *Detector) Save(w io.Writer) error {
	var model bytes.Buffer
	if err := d.model.Save(&model); err != nil {
		return err
	}
	b := make([]byte, 0, detectorHeaderSize+statsSize+model.Len()+detectorHashSize)
	b = append(b, detectorMagic...)
	b = binary.LittleEndian.AppendUint16(b, DetectorVersion)
	b = binary.LittleEndian.AppendUint16(b, SchemaVersion)
	b = binary.LittleEndian.AppendUint32(b, NumFeatures)
	b = binary.LittleEndian.AppendUint32(b, uint32(NumClasses))
	b = binary.LittleEndian.AppendUint64(b, uint64(model.Len()))
	for _, v := range d.mean {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	for _, v := range d.std {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	b = append(b, model.Bytes()...)
	sum := sha256.Sum256(b)
	b = append(b, sum[:]...)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("meshdetect: save: %w", err)
	}
	return nil
}

// Load reads a detector file written by Save. It refuses, with an error wrapping the named
// sentinel: a wrong magic (ErrMagic), another format version (ErrVersion), another feature schema,
// feature count or class count, or an embedded model of another shape (ErrMismatch), a file that
// ends early (ErrTruncated), one larger than MaxDetectorFileSize or with data after the hash
// (ErrTooLarge), a hash mismatch (ErrHash), non-finite or non-positive statistics (ErrCorrupt),
// and whatever graphsage.Load refuses in the embedded model. Memory use is bounded by the bytes
// actually read.
func Load(r io.Reader) (*Detector, error) {
	h := sha256.New()
	tr := io.TeeReader(r, h)
	hdr := make([]byte, detectorHeaderSize)
	if n, err := io.ReadFull(tr, hdr); err != nil {
		if !bytes.HasPrefix([]byte(detectorMagic), hdr[:min(n, len(detectorMagic))]) {
			return nil, ErrMagic
		}
		return nil, loadErr("header", err)
	}
	if string(hdr[:len(detectorMagic)]) != detectorMagic {
		return nil, ErrMagic
	}
	p := hdr[len(detectorMagic):]
	if v := binary.LittleEndian.Uint16(p); v != DetectorVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrVersion, v, DetectorVersion)
	}
	schema, feats, classes := binary.LittleEndian.Uint16(p[2:]), binary.LittleEndian.Uint32(p[4:]), binary.LittleEndian.Uint32(p[8:])
	if schema != SchemaVersion || feats != NumFeatures || classes != uint32(NumClasses) {
		return nil, fmt.Errorf("%w: schema %d with %d features and %d classes, want %d, %d, %d",
			ErrMismatch, schema, feats, classes, SchemaVersion, NumFeatures, NumClasses)
	}
	modelLen := binary.LittleEndian.Uint64(p[12:])
	if modelLen > MaxDetectorFileSize-uint64(detectorHeaderSize+statsSize+detectorHashSize) {
		return nil, fmt.Errorf("%w: a %d-byte model", ErrTooLarge, modelLen)
	}
	stats := make([]byte, statsSize)
	if _, err := io.ReadFull(tr, stats); err != nil {
		return nil, loadErr("statistics", err)
	}
	d := &Detector{}
	for j := range NumFeatures {
		d.mean[j] = math.Float64frombits(binary.LittleEndian.Uint64(stats[8*j:]))
		d.std[j] = math.Float64frombits(binary.LittleEndian.Uint64(stats[8*(NumFeatures+j):]))
		if math.IsNaN(d.mean[j]) || math.IsInf(d.mean[j], 0) || !(d.std[j] >= minStd) || math.IsInf(d.std[j], 0) {
			return nil, fmt.Errorf("%w: statistics of feature %d", ErrCorrupt, j)
		}
	}
	var model bytes.Buffer
	if n, err := io.CopyN(&model, tr, int64(modelLen)); err != nil {
		if errors.Is(err, io.EOF) && uint64(n) < modelLen {
			return nil, fmt.Errorf("%w: in the model", ErrTruncated)
		}
		return nil, loadErr("model", err)
	}
	sum := h.Sum(nil)
	var stored [detectorHashSize]byte
	if _, err := io.ReadFull(r, stored[:]); err != nil {
		return nil, loadErr("hash", err)
	}
	if !bytes.Equal(sum, stored[:]) {
		return nil, ErrHash
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n != 0 {
		return nil, fmt.Errorf("%w: data after the hash", ErrTooLarge)
	}
	m, err := graphsage.Load(&model)
	if err != nil {
		return nil, fmt.Errorf("meshdetect: embedded model: %w", err)
	}
	if a := m.Architecture(); a.InDim != NumFeatures || a.Classes != int(NumClasses) || a.Head != graphsage.HeadSoftmax {
		return nil, fmt.Errorf("%w: embedded model has %d inputs, %d classes, head %v", ErrMismatch, a.InDim, a.Classes, a.Head)
	}
	d.model = m
	return d, nil
}

// loadErr classifies a read failure: an early end of input is ErrTruncated.
func loadErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: in the %s", ErrTruncated, what)
	}
	return fmt.Errorf("meshdetect: load %s: %w", what, err)
}

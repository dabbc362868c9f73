package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

func TestWriteAndRead(t *testing.T) {
	s, path := openTemp(t, Options{})
	r := stepResult(1, 3)
	r.Baselines = []mapek.Baseline{sampleBaseline(2), sampleBaseline(1)}
	last, err := s.WriteStep(r)
	if err != nil || last != 3 {
		t.Fatalf("WriteStep = %d, %v", last, err)
	}
	// A later version of incident 1 replaces the first.
	upd := sampleIncident(1)
	upd.ResolvedAt = t0.Add(time.Minute)
	if _, err := s.WriteStep(mapek.StepResult{Incidents: []mapek.Incident{upd}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Audit(0, 10); !errors.Is(err, ErrClosed) {
		t.Errorf("Audit after Close: %v", err)
	}
	if _, err := s.WriteStep(r); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteStep after Close: %v", err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	aud, err := s.Audit(0, 100)
	if err != nil || len(aud) != 3 {
		t.Fatalf("Audit = %d, %v", len(aud), err)
	}
	for i, e := range aud {
		if e.Seq != uint64(i+1) || !reflect.DeepEqual(e.Record.Evidence, r.Audit[i].Evidence) ||
			e.Record.Detail != r.Audit[i].Detail || !e.Record.At.Equal(r.Audit[i].At) {
			t.Errorf("audit %d = %+v", i, e)
		}
	}
	if aud, _ := s.Audit(3, 100); len(aud) != 1 || aud[0].Seq != 3 {
		t.Errorf("Audit(3) = %+v", aud)
	}
	incs, err := s.Incidents()
	if err != nil || len(incs) != 1 || !incs[0].ResolvedAt.Equal(upd.ResolvedAt) {
		t.Errorf("Incidents = %+v, %v", incs, err)
	}
	acts, err := s.Actions()
	if err != nil || len(acts) != 1 || acts[0].Kind != mapek.ActionRaiseCost {
		t.Errorf("Actions = %+v, %v", acts, err)
	}
	bs, err := s.Baselines()
	if err != nil || len(bs) != 2 || bs[0].Peer != sampleBaseline(1).Peer {
		t.Errorf("Baselines = %+v, %v", bs, err)
	}
	if seq, err := s.LastSeq(); seq != 3 || err != nil {
		t.Errorf("LastSeq = %d, %v", seq, err)
	}
	if inc, act, err := s.LastIDs(); inc != 1 || act != 1 || err != nil {
		t.Errorf("LastIDs = %d %d %v", inc, act, err)
	}
}

func TestInvalidStepWritesNothing(t *testing.T) {
	s, _ := openTemp(t, Options{})
	bad := []mapek.StepResult{
		{Incidents: []mapek.Incident{{}}},
		{Actions: []mapek.Action{{ID: 1}}},
		{Baselines: []mapek.Baseline{{}}},
		{Audit: []mapek.AuditRecord{{Stage: mapek.StagePlan}}},
	}
	for i, b := range bad {
		r := stepResult(1, 2)
		r.Incidents = append(r.Incidents, b.Incidents...)
		r.Actions = append(r.Actions, b.Actions...)
		r.Baselines = append(r.Baselines, b.Baselines...)
		r.Audit = append(r.Audit, b.Audit...)
		if _, err := s.WriteStep(r); !errors.Is(err, ErrInvalid) {
			t.Errorf("%d: err = %v", i, err)
		}
	}
	if aud, _ := s.Audit(0, 10); len(aud) != 0 {
		t.Errorf("partial step written: %+v", aud)
	}
	if seq, _ := s.LastSeq(); seq != 0 {
		t.Errorf("sequence advanced to %d", seq)
	}
	if incs, _ := s.Incidents(); len(incs) != 0 {
		t.Errorf("partial step written: %+v", incs)
	}
}

func TestRetention(t *testing.T) {
	s, _ := openTemp(t, Options{MaxAuditRecords: 10, MaxActions: 3, MaxIncidents: 2})
	for step := 1; step <= 20; step++ {
		if _, err := s.WriteStep(stepResult(step, 3)); err != nil {
			t.Fatal(err)
		}
	}
	aud, err := s.Audit(0, 1000)
	if err != nil || len(aud) != 10 {
		t.Fatalf("kept %d audit records, %v", len(aud), err)
	}
	for i, e := range aud {
		if e.Seq != uint64(51+i) {
			t.Errorf("audit %d has seq %d, want %d", i, e.Seq, 51+i)
		}
	}
	if acts, _ := s.Actions(); len(acts) != 3 || acts[0].ID != 18 {
		t.Errorf("actions = %+v", acts)
	}
	if incs, _ := s.Incidents(); len(incs) != 2 || incs[0].ID != 19 {
		t.Errorf("incidents = %+v", incs)
	}
	if seq, _ := s.LastSeq(); seq != 60 {
		t.Errorf("LastSeq = %d", seq)
	}
	if aud, _ := s.Audit(0, -1); len(aud) != 0 {
		t.Errorf("negative limit returned %d", len(aud))
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "x.db"), Options{LockTimeout: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("bad options: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing", "x.db"), Options{}); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("missing directory: %v", err)
	}

	// Locked by another Store.
	s, path := openTemp(t, Options{})
	if _, err := Open(path, Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("locked: %v", err)
	}
	if _, err := s.WriteStep(stepResult(1, 50)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flip := func(off int) []byte {
		b := bytes.Clone(good)
		for i := off; i < off+64 && i < len(b); i++ {
			b[i] ^= 0xa5
		}
		return b
	}
	pageSize := os.Getpagesize()
	corrupt := map[string][]byte{
		"garbage":   bytes.Repeat([]byte("not a database "), 2000),
		"truncated": good[:100],
		"meta0":     flip(16),
		"both metas": func() []byte {
			b := flip(16)
			for i := pageSize + 16; i < pageSize+80; i++ {
				b[i] ^= 0xa5
			}
			return b
		}(),
	}
	for name, b := range corrupt {
		p := write(name, b)
		s, err := Open(p, Options{})
		if name == "meta0" && err == nil {
			// bbolt falls back to the second meta page: still a valid store.
			if _, err := s.Audit(0, 100); err != nil {
				t.Errorf("meta0: store opened but unreadable: %v", err)
			}
			s.Close()
			continue
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}

	// Data pages overwritten: Open or the reads report ErrCorrupt.
	for off := 2 * pageSize; off < len(good); off += pageSize {
		p := write("data", flip(off))
		s, err := Open(p, Options{LockTimeout: 100 * time.Millisecond})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("page at %d: err = %v", off, err)
			}
			continue
		}
		for _, f := range []func() error{
			func() error { _, err := s.Audit(0, 1000); return err },
			func() error { _, err := s.Incidents(); return err },
			func() error { _, err := s.Actions(); return err },
			func() error { _, err := s.Baselines(); return err },
		} {
			if err := f(); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("page at %d: read err = %v", off, err)
			}
		}
		s.Close()
	}
}

func TestSchemaMismatch(t *testing.T) {
	s, path := openTemp(t, Options{})
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchema), []byte{0, 0, 0, 9})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("schema 9: %v", err)
	}
}

func TestCorruptValue(t *testing.T) {
	s, path := openTemp(t, Options{})
	if _, err := s.WriteStep(stepResult(1, 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{bucketAudit, bucketIncidents, bucketActions} {
			if err := tx.Bucket([]byte(b)).Put(u64(1), []byte{ValueVersion, '{'}); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte(bucketBaselines)).Put([]byte("k"), []byte{2})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Audit(0, 10); !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrMalformed) {
		t.Errorf("Audit: %v", err)
	}
	if _, err := s.Incidents(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Incidents: %v", err)
	}
	if _, err := s.Actions(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Actions: %v", err)
	}
	if _, err := s.Baselines(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Baselines: %v", err)
	}
}

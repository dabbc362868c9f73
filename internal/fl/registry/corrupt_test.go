package registry

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// rawUpdate changes the closed store file at path with bbolt directly.
func rawUpdate(t *testing.T, path string, f func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
}

// storeWith returns the path of a closed store holding rounds 1..3.
func storeWith(t *testing.T, n *testNet) (string, []*Record) {
	t.Helper()
	s, path := openTemp(t, Options{})
	rs := n.chain(t, 3)
	for _, r := range rs {
		mustAccept(t, s, n, r, t0)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, rs
}

func TestCorruptValues(t *testing.T) {
	n := newNet(t, 30)
	_, rs := storeWith(t, n)
	id := rs[1].ID
	cur := rs[2].ID
	tests := []struct {
		name string
		edit func(tx *bolt.Tx) error
		// open: Open itself refuses the file; otherwise the reads do.
		open bool
	}{
		{"garbage version value", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketVersions)).Put(id[:], []byte{valueVersion, 1, 2, 3})
		}, false},
		{"version under another key", func(tx *bolt.Tx) error {
			v := bytes.Clone(tx.Bucket([]byte(bucketVersions)).Get(cur[:]))
			return tx.Bucket([]byte(bucketVersions)).Put(id[:], v)
		}, false},
		{"payload changed", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketPayloads)).Put(id[:], []byte("tampered"))
		}, false},
		{"payload missing", func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketPayloads)).Delete(id[:]) }, false},
		{"round index broken", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketRounds)).Put(u64(2), []byte("short"))
		}, false},
		{"round index to a missing version", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketRounds)).Put(u64(9), make([]byte, IDSize))
		}, false},
		{"history garbage", func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketHistory)).Put(u64(2), []byte{1}) }, false},
		{"history key", func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketHistory)).Put([]byte("k"), []byte{1}) }, false},
		{"current version missing", func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketVersions)).Delete(cur[:]) }, true},
		{"current pointer short", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyCurrent), []byte{1})
		}, true},
		{"max round short", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyMaxRound), []byte{1})
		}, true},
		{"schema", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchema), []byte{0, 0, 0, 9})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := storeWith(t, n)
			rawUpdate(t, path, tt.edit)
			s, err := Open(path, Options{})
			if tt.open {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open: %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if err := s.Check(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Check: %v, want ErrCorrupt", err)
			}
			// Every read either works or reports ErrCorrupt.
			reads := map[string]func() error{
				"List":    func() error { _, err := s.List(); return err },
				"Get":     func() error { _, err := s.Get(id); return err },
				"Info":    func() error { _, err := s.Info(id); return err },
				"History": func() error { _, err := s.History(); return err },
				"Lineage": func() error { _, _, err := s.Lineage(cur); return err },
				"Current": func() error { _, err := s.Current(); return err },
			}
			failed := 0
			for name, f := range reads {
				if err := f(); err != nil {
					failed++
					if !errors.Is(err, ErrCorrupt) {
						t.Errorf("%s: %v, want ErrCorrupt", name, err)
					}
				}
			}
			if failed == 0 {
				t.Error("no read noticed the corruption")
			}
		})
	}
}

func TestCorruptMetaReads(t *testing.T) {
	n := newNet(t, 31)
	s, _ := openTemp(t, Options{})
	r := n.sign(t, params(1, ID{}))
	mustAccept(t, s, n, r, t0)
	// Damage the meta values under an open store: every read refuses.
	for _, key := range []string{keyCurrent, keyMaxRound} {
		if err := s.update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketMeta)).Put([]byte(key), []byte{1, 2, 3})
		}); err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]func() error{
			"Current":  func() error { _, err := s.Current(); return err },
			"MaxRound": func() error { _, err := s.MaxRound(); return err },
			"List":     func() error { _, err := s.List(); return err },
			"Info":     func() error { _, err := s.Info(r.ID); return err },
			"Lineage":  func() error { _, _, err := s.Lineage(r.ID); return err },
			"Check":    s.Check,
			"Accept": func() error {
				_, err := s.Accept(n.sign(t, params(2, r.ID)), n.verify, t0)
				return err
			},
			"Rollback": func() error { _, err := s.Rollback(r.ID, "x", t0); return err },
		} {
			err := f()
			if key == keyMaxRound && (name == "Current" || name == "List" || name == "Info" || name == "Lineage" || name == "Rollback") ||
				key == keyCurrent && name == "MaxRound" {
				continue // these do not read that key
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s with a bad %s: %v", name, key, err)
			}
		}
		if err := s.update(func(tx *bolt.Tx) error {
			m := tx.Bucket([]byte(bucketMeta))
			if err := m.Put([]byte(keyCurrent), r.ID[:]); err != nil {
				return err
			}
			return m.Put([]byte(keyMaxRound), u64(1))
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A parent with a round not below its child's is a broken lineage.
	r2 := n.sign(t, params(2, r.ID))
	mustAccept(t, s, n, r2, t0)
	if err := s.update(func(tx *bolt.Tx) error {
		v := tx.Bucket([]byte(bucketVersions)).Get(r2.ID[:])
		return tx.Bucket([]byte(bucketVersions)).Put(r.ID[:], bytes.Clone(v))
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Lineage(r2.ID); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Lineage with a bad parent: %v", err)
	}
	// A stored version without a current one.
	if err := s.update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketMeta)).Delete([]byte(keyCurrent)) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollback(r.ID, "x", t0); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Rollback without current: %v", err)
	}
	if err := s.Check(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Check without current: %v", err)
	}
}

func TestCorruptFile(t *testing.T) {
	n := newNet(t, 32)
	path, _ := storeWith(t, n)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
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
	for name, b := range map[string][]byte{
		"garbage":   bytes.Repeat([]byte("not a database "), 2000),
		"truncated": good[:100],
	} {
		if _, err := Open(write(name, b), Options{}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	// Every overwritten data page is refused by Open or by the reads, and
	// nothing panics.
	pageSize := os.Getpagesize()
	for off := 2 * pageSize; off < len(good); off += pageSize {
		p := write("data", flip(off))
		s, err := Open(p, Options{LockTimeout: 100 * time.Millisecond})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("page at %d: %v", off, err)
			}
			continue
		}
		for _, f := range []func() error{
			s.Check,
			func() error { _, err := s.List(); return err },
			func() error { _, err := s.History(); return err },
		} {
			if err := f(); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("page at %d: read: %v", off, err)
			}
		}
		s.Close()
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{{LockTimeout: -1}, {Retain: -1}, {Retain: MaxRetain + 1}} {
		if _, err := Open(filepath.Join(dir, "x.db"), o); !errors.Is(err, ErrInvalid) {
			t.Errorf("options %+v: %v", o, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing", "x.db"), Options{}); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("missing directory: %v", err)
	}
	s, path := openTemp(t, Options{})
	if _, err := Open(path, Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("locked: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != FileMode {
		t.Errorf("file mode %v, %v", fi.Mode(), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n := newNet(t, 33)
	r := n.sign(t, params(1, ID{}))
	for name, f := range map[string]func() error{
		"Close":    s.Close,
		"Accept":   func() error { _, err := s.Accept(r, n.verify, t0); return err },
		"Rollback": func() error { _, err := s.Rollback(r.ID, "x", t0); return err },
		"List":     func() error { _, err := s.List(); return err },
		"Current":  func() error { _, err := s.Current(); return err },
		"Resolve":  func() error { _, err := s.Resolve("abcdef01"); return err },
	} {
		if err := f(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
}

func TestResolve(t *testing.T) {
	n := newNet(t, 34)
	s, _ := openTemp(t, Options{})
	r := n.sign(t, params(1, ID{}))
	mustAccept(t, s, n, r, t0)
	full := r.ID.String()
	for _, p := range []string{full, strings.ToUpper(full), full[:MinIDPrefix], full[:MinIDPrefix+1], full[:33]} {
		if id, err := s.Resolve(p); err != nil || id != r.ID {
			t.Errorf("Resolve(%q) = %v, %v", p, id, err)
		}
	}
	other := []byte(full[:MinIDPrefix])
	other[MinIDPrefix-1] = "01"[(other[MinIDPrefix-1]&1)^1] // differs in the last digit
	for _, tt := range []struct {
		p    string
		want error
	}{
		{full[:MinIDPrefix-1], ErrInvalid},
		{full + "0", ErrInvalid},
		{"xyzxyzxyz", ErrInvalid},
		{string(other), ErrNotFound},
	} {
		if _, err := s.Resolve(tt.p); !errors.Is(err, tt.want) {
			t.Errorf("Resolve(%q) = %v, want %v", tt.p, err, tt.want)
		}
	}
	// Two versions sharing a prefix: a crafted key is enough for Resolve.
	twin := r.ID
	twin[31] ^= 1
	if err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketVersions)).Put(twin[:], []byte{0})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(full[:40]); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("ambiguous prefix: %v", err)
	}
	if id, err := s.Resolve(full); err != nil || id != r.ID {
		t.Errorf("full ID with a twin: %v %v", id, err)
	}
}

// TestConcurrentReaders reads the store from several goroutines while
// versions are accepted and rolled back; every read sees a committed
// state: exactly one current version, ascending rounds, payloads that
// match.
func TestConcurrentReaders(t *testing.T) {
	n := newNet(t, 35)
	s, _ := openTemp(t, Options{Retain: 4})
	rs := n.chain(t, 12)
	mustAccept(t, s, n, rs[0], t0)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				list, err := s.List()
				if err != nil {
					errs <- err
					return
				}
				cur := 0
				for i, v := range list {
					if v.Current {
						cur++
					}
					if i > 0 && list[i-1].Round >= v.Round {
						errs <- errors.New("rounds not ascending")
						return
					}
				}
				if cur != 1 || len(list) > 4 {
					errs <- errors.New("not one current version or over retention")
					return
				}
				if g%2 == 0 {
					if _, err := s.Get(list[len(list)-1].ID); err != nil && !errors.Is(err, ErrNotFound) {
						errs <- err
						return
					}
				} else if _, err := s.History(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i, r := range rs[1:] {
		mustAccept(t, s, n, r, t0)
		if i == 5 {
			if _, err := s.Rollback(rs[i].ID, "concurrent rollback", t0); err != nil {
				t.Error(err)
			}
			break
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

package registry

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFuzzCorpus rewrites the seed files of FuzzParseRecord,
// FuzzDecodeChange and FuzzDecodeVersion in testdata/fuzz when
// REGISTRY_WRITE_CORPUS=1, and otherwise checks that they are there.
func TestWriteFuzzCorpus(t *testing.T) {
	one := func(b []byte) string { return fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b) }
	n := newNet(t, 42)
	r := n.sign(t, params(3, ID{7}))
	change, err := encodeChange(Change{At: t0, Kind: ChangeAccept, To: r.ID, Round: 3, Reason: "round 3 by coordinator"})
	if err != nil {
		t.Fatal(err)
	}
	val := encodeVersion(t0, r.envelope())
	files := map[string]map[string]string{
		"FuzzParseRecord": {},
		"FuzzDecodeChange": {
			"valid":     one(change),
			"truncated": one(change[:len(change)-3]),
			"kind-9":    one(append(append([]byte(nil), change[:9]...), append([]byte{9}, change[10:]...)...)),
		},
		"FuzzDecodeVersion": {
			"valid":     fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", r.ID[:], val),
			"other-key": fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", make([]byte, IDSize), val),
			"truncated": fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", r.ID[:], val[:len(val)/2]),
		},
	}
	for name, b := range seedRecords(t) {
		files["FuzzParseRecord"][name] = one(b)
	}
	write := os.Getenv("REGISTRY_WRITE_CORPUS") == "1"
	for target, seeds := range files {
		dir := filepath.Join("testdata", "fuzz", target)
		if write {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for name, content := range seeds {
			p := filepath.Join(dir, name)
			if write {
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("seed file: %v (write them with REGISTRY_WRITE_CORPUS=1)", err)
			}
		}
	}
}

package meshdetect

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFuzzCorpus rewrites testdata/fuzz/FuzzLoad when MESHDETECT_WRITE_CORPUS=1, and
// otherwise checks that the committed seed files are there.
func TestWriteFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	good := saved(t, tinyDetector(t))
	seeds := map[string][]byte{"valid": good, "header": good[:detectorHeaderSize], "half": good[:len(good)/2], "magic": []byte(detectorMagic)}
	if os.Getenv("MESHDETECT_WRITE_CORPUS") == "1" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range seeds {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name := range seeds {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("seed file %s: %v", name, err)
		}
	}
}

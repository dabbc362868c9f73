package camo

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	sizes := []int{0, 1, 2, 1400, streamBufferSize + 7, MaxDatagramSize}
	for i, n := range sizes {
		if err := writeFrame(w, bytes.Repeat([]byte{byte(i)}, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(&buf)
	for i, n := range sizes {
		b, err := readFrame(r)
		if err != nil || !bytes.Equal(b, bytes.Repeat([]byte{byte(i)}, n)) {
			t.Fatalf("frame %d: %d bytes, %v", i, len(b), err)
		}
	}
	if _, err := readFrame(r); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

func TestFrameErrors(t *testing.T) {
	if err := writeFrame(bufio.NewWriter(io.Discard), make([]byte, MaxDatagramSize+1)); !errors.Is(err, ErrFrame) {
		t.Fatalf("oversize write: %v", err)
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"half a length", []byte{0}, ErrFrame},
		{"length without datagram", []byte{0, 5}, ErrFrame},
		{"short datagram", []byte{0, 5, 1, 2}, ErrFrame},
	}
	for _, tt := range tests {
		if _, err := readFrame(bufio.NewReader(bytes.NewReader(tt.in))); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	boom := errors.New("boom")
	if _, err := readFrame(bufio.NewReader(io.MultiReader(bytes.NewReader([]byte{0, 3, 1}), iotest.ErrReader(boom)))); !errors.Is(err, boom) {
		t.Fatalf("read error inside a datagram: %v", err)
	}
}

// FuzzReadFrame decodes arbitrary bytes as a ModeTLS stream. Properties: no panic; every datagram
// is at most MaxDatagramSize; re-encoding the datagrams gives back exactly the bytes consumed; the
// stream ends with io.EOF only on a frame boundary and with ErrFrame otherwise.
func FuzzReadFrame(f *testing.F) {
	var seed bytes.Buffer
	w := bufio.NewWriter(&seed)
	writeFrame(w, []byte("hello"))
	writeFrame(w, nil)
	writeFrame(w, bytes.Repeat([]byte{0xff}, 300))
	w.Flush()
	f.Add(seed.Bytes())
	f.Add([]byte{})
	f.Add([]byte{0xff})
	f.Add([]byte{0xff, 0xff, 1, 2, 3})
	f.Add([]byte{0, 0, 0, 1, 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		var out bytes.Buffer
		ow := bufio.NewWriter(&out)
		for {
			b, err := readFrame(r)
			if err != nil {
				ow.Flush()
				consumed := out.Len()
				switch {
				case err == io.EOF:
					if consumed != len(data) {
						t.Fatalf("io.EOF after %d of %d bytes", consumed, len(data))
					}
				case errors.Is(err, ErrFrame):
					if consumed >= len(data) {
						t.Fatalf("ErrFrame with nothing left (%d of %d bytes)", consumed, len(data))
					}
				default:
					t.Fatalf("unexpected error %v", err)
				}
				if !bytes.Equal(out.Bytes(), data[:consumed]) {
					t.Fatal("re-encoded frames differ from the input")
				}
				return
			}
			if len(b) > MaxDatagramSize {
				t.Fatalf("datagram of %d bytes", len(b))
			}
			if err := writeFrame(ow, b); err != nil {
				t.Fatal(err)
			}
		}
	})
}

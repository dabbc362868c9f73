package stream

import (
	"bytes"
	"errors"
	"testing"
)

// socksSeeds are SOCKS5 requests: valid ones of each address type and broken ones.
var socksSeeds = [][]byte{
	{5, 1, 0, 1, 127, 0, 0, 1, 0, 80},
	{5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 187},
	append(append([]byte{5, 1, 0, 3, 11}, "example.com"...), 1, 187),
	{5, 2, 0, 1, 127, 0, 0, 1, 0, 80}, // BIND
	{5, 1, 0, 9, 1, 2},                // unknown address type
	{5, 1, 0, 3, 0, 0, 80},            // empty name
	{4, 1, 0, 1, 127, 0, 0, 1, 0, 80}, // SOCKS4
	{5, 1, 0, 1, 127, 0},              // truncated
	{5, 1, 0, 1, 127, 0, 0, 1, 0, 0},  // port 0
}

func FuzzParseSOCKSRequest(f *testing.F) {
	for _, s := range socksSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		tg, code, err := readSOCKSRequest(r)
		consumed := len(b) - r.Len()
		if consumed > 4+1+MaxHostLen+2 {
			t.Fatalf("consumed %d bytes", consumed)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			if code == ReplySucceeded {
				t.Fatal("failure with a success code")
			}
			return
		}
		if code != ReplySucceeded || tg.check() != nil {
			t.Fatalf("accepted %+v with code %d", tg, code)
		}
		// re-encoding and re-parsing gives the same target
		again, _, err := readSOCKSRequest(bytes.NewReader(appendSOCKSRequest(nil, tg)))
		if err != nil || again != tg {
			t.Fatalf("round trip %+v -> %+v, %v", tg, again, err)
		}
	})
}

// exitSeeds are exit requests: valid and broken.
var exitSeeds = [][]byte{
	{ExitVersion, 9, '1', '2', '7', '.', '0', '.', '0', '.', '1', 0, 80},
	append(append([]byte{ExitVersion, 11}, "example.com"...), 1, 187),
	{ExitVersion, 3, ':', ':', '1', 0, 22},
	{2, 1, 'a', 0, 80},          // version
	{ExitVersion, 0, 0, 80},     // empty host
	{ExitVersion, 1, 'a', 0, 0}, // port 0
	{ExitVersion, 5, 'a'},       // truncated
	{ExitVersion, 1, ' ', 0, 1}, // space in host
}

func FuzzParseExitRequest(f *testing.F) {
	for _, s := range exitSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tg, err := parseExitRequest(b)
		r := bytes.NewReader(b)
		tg2, err2 := readExitRequest(r)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			if err2 == nil && r.Len() == 0 {
				t.Fatalf("stream parser accepted what the exact parser refused: %v", err)
			}
			return
		}
		if len(b) > maxExitRequestSize {
			t.Fatalf("accepted %d bytes", len(b))
		}
		if err2 != nil || tg2 != tg || r.Len() != 0 {
			t.Fatalf("stream parser: %+v %v, left %d", tg2, err2, r.Len())
		}
		enc, err := marshalExitRequest(tg)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("round trip %x -> %x, %v", b, enc, err)
		}
	})
}

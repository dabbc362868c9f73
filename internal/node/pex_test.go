package node

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// TestPeerExchange runs a line alpha - beta - gamma: beta tells each about the other, both have fewer
// than MinPeers peers, so they connect directly and stay connected when beta stops.
func TestPeerExchange(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	g := h.member("gamma", "127.0.0.1:1003", h.ca)
	rb := h.start(b, nil)
	ra := h.start(a, nil, b)
	rg := h.start(g, nil, b)
	eventually(t, "alpha and gamma to connect directly", 20*time.Second, func() bool {
		return peerState(ra.n, "gamma") == "up" && peerState(rg.n, "alpha") == "up"
	})
	if !strings.Contains(a.log.String(), "dialling spare peer") && !strings.Contains(g.log.String(), "dialling spare peer") {
		t.Fatal("neither side logged dialling a spare peer")
	}
	rb.stop(t)
	eventually(t, "alpha to see beta down", 10*time.Second, func() bool { return peerState(ra.n, "beta") == "down" })
	if peerState(ra.n, "gamma") != "up" {
		t.Fatal("alpha lost gamma when beta stopped")
	}
}

func TestPeerExchangeCodec(t *testing.T) {
	e := []pexEntry{
		{id: identity.NodeID{1}, addr: netip.MustParseAddrPort("127.0.0.1:7001")},
		{id: identity.NodeID{2}, addr: netip.MustParseAddrPort("[::1]:7002")},
	}
	msg := encodePeerExchange(e)
	got, err := decodePeerExchange(msg)
	if err != nil || len(got) != 2 || got[0] != e[0] || got[1] != e[1] {
		t.Fatalf("round trip: %v %v", got, err)
	}
	if encodePeerExchange(nil) != nil {
		t.Fatal("empty list encoded")
	}
	many := make([]pexEntry, MaxExchangePeers+3)
	for i := range many {
		many[i] = pexEntry{id: identity.NodeID{byte(i + 1)}, addr: e[0].addr}
	}
	if got, err := decodePeerExchange(encodePeerExchange(many)); err != nil || len(got) != MaxExchangePeers {
		t.Fatalf("long list: %d entries, %v", len(got), err)
	}
	bad := func(mut func([]byte) []byte) []byte { return mut(bytes.Clone(msg)) }
	for name, m := range map[string][]byte{
		"empty":       {},
		"wrong kind":  bad(func(b []byte) []byte { b[0] = 9; return b }),
		"zero count":  bad(func(b []byte) []byte { b[1] = 0; return b[:2] }),
		"count short": bad(func(b []byte) []byte { b[1] = 3; return b }),
		"truncated":   msg[:len(msg)-1],
		"zero id":     bad(func(b []byte) []byte { clear(b[2:34]); return b }),
		"zero port":   bad(func(b []byte) []byte { b[50], b[51] = 0, 0; return b }),
		"unspecified": bad(func(b []byte) []byte { clear(b[34:50]); return b }),
	} {
		if _, err := decodePeerExchange(m); !errors.Is(err, errPeerExchange) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func FuzzDecodePeerExchange(f *testing.F) {
	f.Add(encodePeerExchange([]pexEntry{{id: identity.NodeID{1}, addr: netip.MustParseAddrPort("127.0.0.1:7001")}}))
	f.Add([]byte{kindPeerExchange, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := decodePeerExchange(b)
		if err != nil {
			return
		}
		if len(entries) == 0 || len(entries) > MaxExchangePeers {
			t.Fatalf("%d entries accepted", len(entries))
		}
		again, err := decodePeerExchange(encodePeerExchange(entries))
		if err != nil || len(again) != len(entries) {
			t.Fatalf("re-encoding: %v", err)
		}
		for i := range entries {
			if again[i] != entries[i] {
				t.Fatalf("entry %d changed: %v -> %v", i, entries[i], again[i])
			}
		}
	})
}

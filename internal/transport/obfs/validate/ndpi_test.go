package validate

import (
	"crypto/rand"
	"net/netip"
	"os"
	"strconv"
	"testing"
)

// TestNDPITraffic only sends traffic: handshakes and data frames of one mode to a fixed loopback
// address, for .ci/ndpi-check to capture and classify with nDPI. It runs when
// OBFS_NDPI_MODE names a mode of Modes() and OBFS_NDPI_LISTEN is the responder's address;
// OBFS_NDPI_SAMPLES sets the handshakes (default 50).
func TestNDPITraffic(t *testing.T) {
	name := os.Getenv("OBFS_NDPI_MODE")
	if name == "" {
		t.Skip("OBFS_NDPI_MODE not set: run by .ci/ndpi-check")
	}
	listen, err := netip.ParseAddrPort(os.Getenv("OBFS_NDPI_LISTEN"))
	if err != nil {
		t.Fatalf("OBFS_NDPI_LISTEN: %v", err)
	}
	n := 50
	if s := os.Getenv("OBFS_NDPI_SAMPLES"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("OBFS_NDPI_SAMPLES: %v", err)
		}
	}
	var modes []Mode
	for _, m := range Modes() {
		if m.Name == name {
			modes = append(modes, m)
		}
	}
	if len(modes) == 0 {
		t.Fatalf("no mode %q", name)
	}
	r, err := Run(Options{Samples: n, Rand: rand.Reader, Modes: modes, Listen: listen})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d flows, %d datagrams, %d bytes to %v", name, r.Modes[0].Flows, r.Modes[0].Datagrams, r.Modes[0].WireBytes, listen)
}

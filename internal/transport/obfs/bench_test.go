package obfs

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// loopbackPair returns two Conns on 127.0.0.1 UDP sockets: plain, or obfuscated with cfg.
func loopbackPair(b *testing.B, obfuscate bool, cfg Config) (x, y transport.Conn) {
	b.Helper()
	open := func() transport.Conn {
		u, err := transport.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
		if err != nil {
			b.Fatal(err)
		}
		if !obfuscate {
			return u
		}
		cfg.Key, cfg.Rand = testKey(), rand.Reader
		c, err := New(u, cfg)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	x, y = open(), open()
	b.Cleanup(func() {
		x.Close()
		y.Close()
	})
	return x, y
}

// roundTrip sends msg from x to y and reads it, in one goroutine: a loopback UDP send lands in
// the receiver's socket buffer before WriteTo returns, so this times one datagram's whole cost,
// both ends, with no scheduling noise.
func roundTrip(b *testing.B, x, y transport.Conn, msg, buf []byte) {
	if err := x.WriteTo(msg, y.LocalAddr()); err != nil {
		b.Fatal(err)
	}
	if n, _, err := y.ReadFrom(buf); err != nil || n != len(msg) {
		b.Fatalf("read %d of %d bytes: %v", n, len(msg), err)
	}
}

var benchSizes = []int{64, 1200}

// BenchmarkLoopback times sending and receiving one datagram over loopback UDP, plain and
// obfuscated (default padding, with and without Shape), for a keepalive-sized and a full-sized
// payload. MB/s is payload throughput; wire-B/op is what the obfuscated datagram cost on the
// wire, padding included.
func BenchmarkLoopback(b *testing.B) {
	modes := []struct {
		name      string
		obfuscate bool
		cfg       Config
	}{
		{"udp", false, Config{}},
		{"obfs", true, Config{}},
		{"obfs-shaped", true, Config{Shape: true}},
	}
	for _, m := range modes {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/size=%d", m.name, size), func(b *testing.B) {
				x, y := loopbackPair(b, m.obfuscate, m.cfg)
				msg, buf := make([]byte, size), make([]byte, transport.MaxDatagramSize)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					roundTrip(b, x, y, msg, buf)
				}
				if c, ok := x.(*Conn); ok {
					// Mean padding is half the allowed maximum for these sizes.
					pad := max(0, min(DefaultMaxPadding, PaddedSizeLimit-Overhead-size))
					b.ReportMetric(float64(size+Overhead)+float64(pad)/2, "wire-B/op")
					if s := c.Stats(); s.Sent == 0 {
						b.Fatal("nothing sent")
					}
				} else {
					b.ReportMetric(float64(size), "wire-B/op")
				}
			})
		}
	}
}

// BenchmarkLoopbackRatio alternates plain and obfuscated datagrams in one loop, so that both see
// the same machine load, and reports the per-datagram time of each and their ratio (obfs/udp).
func BenchmarkLoopbackRatio(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			px, py := loopbackPair(b, false, Config{})
			ox, oy := loopbackPair(b, true, Config{})
			msg, buf := make([]byte, size), make([]byte, transport.MaxDatagramSize)
			var plain, obf time.Duration
			n := 0
			for b.Loop() {
				t0 := time.Now()
				roundTrip(b, px, py, msg, buf)
				t1 := time.Now()
				roundTrip(b, ox, oy, msg, buf)
				obf += time.Since(t1)
				plain += t1.Sub(t0)
				n++
			}
			b.ReportMetric(float64(plain.Nanoseconds())/float64(n), "udp-ns/datagram")
			b.ReportMetric(float64(obf.Nanoseconds())/float64(n), "obfs-ns/datagram")
			b.ReportMetric(float64(obf)/float64(plain), "obfs/udp")
		})
	}
}

// BenchmarkCodec times sealing and opening one datagram in memory: the layer's own CPU cost per
// datagram, without the system calls that dominate BenchmarkLoopback.
func BenchmarkCodec(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			c, err := New(nopConn{}, Config{Key: testKey(), Rand: rand.Reader})
			if err != nil {
				b.Fatal(err)
			}
			buf := new(buffer)
			payload := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				buf.rand.reset(rand.Reader)
				pkt := buf.data[:Overhead+size+DefaultMaxPadding/2]
				nonce, err := buf.rand.take(NonceSize)
				if err != nil {
					b.Fatal(err)
				}
				copy(pkt, nonce)
				h := header{kind: kindData, sender: c.sender, counter: c.next.Add(1), millis: time.Now().UnixMilli()}
				c.codec.seal(pkt, h, payload)
				if _, _, err := c.open(pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package camo

import (
	"context"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// benchPayload is the datagram size of the throughput benchmarks: a full mesh data frame.
const benchPayload = 1400

// benchWindow is how many datagrams are in flight at once: enough to fill pipes, few enough that
// no transport drops any on loopback, so that every variant moves every datagram.
const benchWindow = 64

// benchPipe carries datagrams from send to recv (at to) and counts arrivals.
type benchPipe struct {
	send, recv transport.Conn
	to         netip.AddrPort
	msg        []byte
	got, want  atomic.Int64
	reached    chan struct{}
	done       chan struct{}
}

func newBenchPipe(send, recv transport.Conn, to netip.AddrPort) *benchPipe {
	p := &benchPipe{send: send, recv: recv, to: to, msg: make([]byte, benchPayload),
		reached: make(chan struct{}, 1), done: make(chan struct{})}
	p.want.Store(-1)
	go func() {
		defer close(p.done)
		buf := make([]byte, MaxDatagramSize)
		for {
			if _, _, err := recv.ReadFrom(buf); err != nil {
				return
			}
			if p.got.Add(1) == p.want.Load() {
				p.reached <- struct{}{}
			}
		}
	}()
	return p
}

// warm sends until one datagram arrives (the first one dials), then resets the count.
func (p *benchPipe) warm(b *testing.B) {
	p.want.Store(1)
	deadline := time.Now().Add(waitFor)
	for p.got.Load() == 0 {
		if time.Now().After(deadline) {
			b.Fatal("no datagram arrived")
		}
		p.send.WriteTo(p.msg, p.to)
		select {
		case <-p.reached:
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case <-p.reached:
	default:
	}
	p.got.Store(0)
	p.want.Store(-1)
}

// window sends n datagrams and waits until all have arrived.
func (p *benchPipe) window(b *testing.B, n int) {
	target := p.got.Load() + int64(n)
	p.want.Store(target)
	for range n {
		if err := p.send.WriteTo(p.msg, p.to); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-p.reached:
	case <-time.After(waitFor):
		b.Fatalf("%d of %d datagrams arrived", p.got.Load(), target)
	}
}

func (p *benchPipe) close() {
	p.send.Close()
	p.recv.Close()
	<-p.done
}

// benchThroughput moves b.N datagrams of benchPayload bytes over p, in windows of benchWindow:
// each window is written, then awaited. One op is one delivered datagram.
func benchThroughput(b *testing.B, p *benchPipe) {
	defer p.close()
	p.warm(b)
	b.SetBytes(benchPayload)
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += benchWindow {
		p.window(b, min(benchWindow, b.N-sent))
	}
}

func udpPipe(b *testing.B) *benchPipe {
	send, err := transport.ListenUDP(loopback())
	if err != nil {
		b.Fatal(err)
	}
	recv, err := transport.ListenUDP(loopback())
	if err != nil {
		b.Fatal(err)
	}
	return newBenchPipe(send, recv, recv.LocalAddr())
}

func camoPipe(b *testing.B, mode Mode) *benchPipe {
	send, err := Listen(testConfig(mode))
	if err != nil {
		b.Fatal(err)
	}
	recv, err := Listen(testConfig(mode))
	if err != nil {
		b.Fatal(err)
	}
	return newBenchPipe(send, recv, recv.LocalAddr())
}

// BenchmarkThroughput compares, in one run, datagrams over plain UDP (transport.UDPConn) with
// datagrams over the camouflage in each mode, all on loopback. The ratio of the ns/op of tls
// (or websocket) to udp is the cost of the camouflage.
func BenchmarkThroughput(b *testing.B) {
	b.Run("udp", func(b *testing.B) { benchThroughput(b, udpPipe(b)) })
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		b.Run(mode.String(), func(b *testing.B) {
			p := camoPipe(b, mode)
			send := p.send.(*Conn)
			benchThroughput(b, p)
			if s := send.Stats(); s.SendDrops != 0 || s.Dials != 1 {
				b.Fatalf("sender %+v, want one dial and no drops", s)
			}
		})
	}
}

// BenchmarkThroughputRatio alternates windows over plain UDP, ModeTLS and ModeWebSocket in one
// loop, so that all three see the same load, and reports the time ratios tls/udp and
// websocket/udp (1 means no cost). One op is one window of benchWindow datagrams on each.
func BenchmarkThroughputRatio(b *testing.B) {
	pipes := []*benchPipe{udpPipe(b), camoPipe(b, ModeTLS), camoPipe(b, ModeWebSocket)}
	var took [3]time.Duration
	for _, p := range pipes {
		defer p.close()
		p.warm(b)
	}
	b.ResetTimer()
	for range b.N {
		for i, p := range pipes {
			start := time.Now()
			p.window(b, benchWindow)
			took[i] += time.Since(start)
		}
	}
	b.ReportMetric(float64(took[1])/float64(took[0]), "tls/udp")
	b.ReportMetric(float64(took[2])/float64(took[0]), "websocket/udp")
}

// BenchmarkConnSetup measures setting up one connection in mesh mode on loopback, both ends'
// work: TCP, the TLS 1.3 handshake with X25519MLKEM768 (a full handshake every time: clients keep
// no session tickets, like net/http's default client), the authenticated HTTP upgrade and the
// server's proof.
func BenchmarkConnSetup(b *testing.B) {
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		b.Run(mode.String(), func(b *testing.B) {
			srv, err := Listen(testConfig(mode))
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			cl, err := Listen(testConfig(mode))
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				l, err := cl.dial(ctx, srv.LocalAddr())
				if err != nil {
					b.Fatal(err)
				}
				l.close()
			}
		})
	}
}

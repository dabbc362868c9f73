package stream

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestNewEndpointErrors(t *testing.T) {
	m := NewMux(nodeID(1), func(identity.NodeID, []byte) error { return nil })
	defer m.Close()
	if _, err := NewEndpoint(Config{Mux: m}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("no Rand: %v", err)
	}
	if _, err := NewEndpoint(Config{Rand: crand.Reader}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("no Mux: %v", err)
	}
	if _, err := NewEndpoint(Config{Mux: m, Rand: bytes.NewReader(nil)}); err == nil {
		t.Fatal("empty randomness accepted")
	}
	if _, err := NewEndpoint(Config{Mux: m, Rand: bytes.NewReader(make([]byte, 32))}); err == nil {
		t.Fatal("randomness too short for the serial accepted")
	}
	e, err := NewEndpoint(Config{Mux: m, Rand: crand.Reader, Port: 9, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if e.Addr() != (Addr{Node: nodeID(1), Port: 9}) {
		t.Fatal(e.Addr())
	}
	if _, err := NewEndpoint(Config{Mux: m, Rand: crand.Reader, Port: 9}); !errors.Is(err, ErrPortInUse) {
		t.Fatalf("second endpoint on a port: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Listen(1); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if _, err := e.Dial(context.Background(), nodeID(2), 1); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

func TestListener(t *testing.T) {
	a, b := endpoints(t, newLink(3, 0, 0))
	l, err := b.Listen(7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Listen(7); !errors.Is(err, ErrPortInUse) {
		t.Fatal(err)
	}
	if l.Addr() != (Addr{Node: b.self, Port: 7}) {
		t.Fatal(l.Addr())
	}
	ctx := context.Background()
	c, err := a.Dial(ctx, b.self, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if s.RemoteAddr() != (Addr{Node: a.self, Port: 7}) || s.LocalAddr() != (Addr{Node: b.self, Port: 7}) {
		t.Fatalf("accepted addrs %v %v", s.LocalAddr(), s.RemoteAddr())
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("%q %v", buf, err)
	}
	// deadlines on streams are timeouts
	s.SetDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := s.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
	s.SetReadDeadline(time.Time{})
	s.SetWriteDeadline(time.Time{})
	// CloseRead makes the peer's writes fail
	s.(*Conn).CloseRead()
	eventuallyErr(t, func() error { _, err := c.Write([]byte("more")); return err })
	s.Close()

	// streams queued and not accepted are refused when the listener closes
	c2, err := a.Dial(ctx, b.self, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	waitQueued(t, l, 1)
	l.Close()
	l.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) || !errors.Is(err, ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c2.Read(buf); !errors.Is(err, ErrRefused) {
		t.Fatalf("queued stream: %v", err)
	}
	if _, err := b.Listen(7); err != nil {
		t.Fatalf("port not freed: %v", err)
	}
}

func TestAcceptQueueFull(t *testing.T) {
	a, b := endpoints(t, newLink(4, 0, 0))
	l, _ := b.Listen(7)
	defer l.Close()
	ctx := context.Background()
	for range AcceptQueueLen {
		c, err := a.Dial(ctx, b.self, 7)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitQueued(t, l, AcceptQueueLen)
	c, err := a.Dial(ctx, b.self, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, ErrRefused) {
		t.Fatalf("stream beyond the queue: %v", err)
	}
}

func TestRedialAfterPeerRestart(t *testing.T) {
	l := newLink(5, 0, 0)
	a := newEndpoint(t, l.add(nodeID(1)))
	bm := l.add(nodeID(2))
	b := newEndpoint(t, bm)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	echo := func(e *Endpoint) {
		ln, err := e.Listen(7)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { io.Copy(c, c); c.Close() }()
			}
		}()
	}
	roundTrip := func() error {
		c, err := a.Dial(ctx, nodeID(2), 7)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		c.CloseWrite()
		got, err := io.ReadAll(c)
		if err == nil && string(got) != "ping" {
			err = errors.New("bad echo " + string(got))
		}
		return err
	}
	echo(b)
	if err := roundTrip(); err != nil {
		t.Fatal(err)
	}
	// b restarts: a's cached connection is dead (b sent CONNECTION_CLOSE) and a dials afresh
	b.Close()
	b2 := newEndpoint(t, bm)
	echo(b2)
	eventuallyErr(t, func() error {
		if err := roundTrip(); err != nil {
			return nil
		}
		return errors.New("ok") // eventuallyErr waits for a non-nil error: here, success
	})
}

// eventuallyErr waits until f returns an error.
func eventuallyErr(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f() == nil {
		if time.Now().After(deadline) {
			t.Fatal("no error within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitQueued waits until n streams wait in l.
func waitQueued(t *testing.T, l *Listener, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(l.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams queued, want %d", len(l.queue), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func BenchmarkStreamThroughput(b *testing.B) {
	x, y := endpoints(b, newLink(6, 0, 0))
	l, err := y.Listen(7)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan int64, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- 0
			return
		}
		n, _ := io.Copy(io.Discard, c)
		c.Close()
		done <- n
	}()
	c, err := x.Dial(context.Background(), y.self, 7)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	c.CloseWrite()
	n := <-done
	b.StopTimer()
	c.Close()
	if n != int64(b.N)*int64(len(buf)) {
		b.Fatalf("received %d bytes, sent %d", n, int64(b.N)*int64(len(buf)))
	}
}

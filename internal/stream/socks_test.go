package stream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// proxyPair runs a SOCKS server on endpoint a exiting at b and returns the proxy address and the
// context that stops it at cleanup.
func proxyPair(t *testing.T) (a, b *Endpoint, proxy string, ctx context.Context) {
	t.Helper()
	a, b = endpoints(t, newLink(7, 0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- (&SOCKSServer{Streams: a, Exit: b.self}).Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return a, b, l.Addr().String(), ctx
}

func TestSOCKSRefusals(t *testing.T) {
	_, b, proxy, ctx := proxyPair(t)

	// no exit server on b yet: the stream is refused, a general failure
	c, code := socksConnect(t, proxy, "127.0.0.1:80")
	c.Close()
	if code != ReplyGeneralFailure {
		t.Fatalf("no exit: %#x", code)
	}

	// an exit that allows nothing
	l, err := b.Listen(ExitPort)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- (&ExitServer{}).Serve(ctx, l) }()
	c, code = socksConnect(t, proxy, "127.0.0.1:80")
	c.Close()
	if code != ReplyNotAllowed {
		t.Fatalf("deny-all exit: %#x", code)
	}

	for _, tc := range []struct {
		name  string
		send  []byte
		reply []byte
	}{
		{"no acceptable method", []byte{5, 1, 2}, []byte{5, 0xff}},
		{"bind", append([]byte{5, 1, 0}, socksSeeds[3]...), append([]byte{5, 0}, socksReply(ReplyCommandNotSupported)...)},
		{"address type", append([]byte{5, 1, 0}, socksSeeds[4]...), append([]byte{5, 0}, socksReply(ReplyAddressNotSupported)...)},
		{"bad greeting", []byte{4, 1, 0}, nil},
	} {
		c, err := net.Dial("tcp", proxy)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write(tc.send)
		got, err := io.ReadAll(c) // the server closes with unread bytes: a reset is fine
		c.Close()
		if string(got) != string(tc.reply) {
			t.Errorf("%s: got %x (%v), want %x", tc.name, got, err, tc.reply)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("exit server stopped early: %v", err)
	default:
	}
}

func TestExitServerBadRequestAndPolicy(t *testing.T) {
	a, b := endpoints(t, newLink(8, 0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, _ := b.Listen(ExitPort)
	bad := &ExitServer{Allow: Policy{Rules: []Rule{{FirstPort: 1, LastPort: 1}}}}
	if err := bad.Serve(ctx, l); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("bad policy: %v", err)
	}
	l, _ = b.Listen(ExitPort)
	done := make(chan error, 1)
	go func() { done <- (&ExitServer{MaxConns: 1}).Serve(ctx, l) }()
	c, err := a.Dial(ctx, b.self, ExitPort)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte{9, 1, 'a', 0, 80})
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if code, err := readExitReply(c); err != nil || code != ReplyAddressNotSupported {
		t.Fatalf("bad exit request: %#x %v", code, err)
	}
	c.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestServerConfigErrors(t *testing.T) {
	a, _ := endpoints(t, newLink(9, 0, 0))
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		serve func(net.Listener) error
	}{
		{"socks without exit", (&SOCKSServer{Streams: a}).Serve2(ctx)},
		{"forward without streams", (&Forward{To: nodeID(2), Target: "127.0.0.1:1"}).Serve2(ctx)},
		{"forward bad target", (&Forward{Streams: a, To: nodeID(2), Target: "nowhere"}).Serve2(ctx)},
	} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.serve(l); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s: listener left open", tc.name)
		}
	}
	if err := (&Forward{Listen: "127.0.0.1:-1"}).ListenAndServe(ctx); err == nil {
		t.Fatal("bad listen address accepted")
	}
}

func (s *SOCKSServer) Serve2(ctx context.Context) func(net.Listener) error {
	return func(l net.Listener) error { return s.Serve(ctx, l) }
}

func (f *Forward) Serve2(ctx context.Context) func(net.Listener) error {
	return func(l net.Listener) error { return f.Serve(ctx, l) }
}

func TestForwardListenAndServe(t *testing.T) {
	a, b := endpoints(t, newLink(10, 0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	web, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()
	go func() {
		c, err := web.Accept()
		if err == nil {
			c.Write([]byte("banner"))
			c.Close()
		}
	}()
	port := uint16(web.Addr().(*net.TCPAddr).Port)
	el, _ := b.Listen(ExitPort)
	exitDone := make(chan error, 1)
	go func() {
		exitDone <- (&ExitServer{Allow: Policy{Rules: []Rule{{Prefix: netip.MustParsePrefix("127.0.0.1/32"), FirstPort: port, LastPort: port}}}}).Serve(ctx, el)
	}()
	// pick a free port for the forward's own listener
	probe, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := probe.Addr().String()
	probe.Close()
	fwdDone := make(chan error, 1)
	go func() {
		fwdDone <- (&Forward{Streams: a, Listen: addr, To: b.self, Target: web.Addr().String()}).ListenAndServe(ctx)
	}()
	var c net.Conn
	deadline := time.Now().Add(10 * time.Second)
	for c == nil {
		if c, err = net.Dial("tcp", addr); err != nil && time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	c.Close()
	if err != nil || string(got) != "banner" {
		t.Fatalf("forwarded %q %v", got, err)
	}
	cancel()
	if err := <-fwdDone; err != nil {
		t.Fatal(err)
	}
	if err := <-exitDone; err != nil {
		t.Fatal(err)
	}
}

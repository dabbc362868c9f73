package stream

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// SOCKSServer is a SOCKS5 proxy (RFC 1928, CONNECT with no authentication) whose connections exit
// at the node Exit: each CONNECT becomes a stream to Exit's ExitServer.
type SOCKSServer struct {
	// Streams is the local node's Endpoint.
	Streams *Endpoint
	// Exit is the exit node.
	Exit identity.NodeID
	// MaxConns bounds concurrent connections; zero means DefaultMaxConns.
	MaxConns int
	// Logger receives one line per failed request; nil discards them.
	Logger *slog.Logger
}

// Serve serves SOCKS5 clients on l (a local TCP listener) until ctx ends or l fails.
func (s *SOCKSServer) Serve(ctx context.Context, l net.Listener) error {
	if s.Streams == nil || s.Exit.IsZero() {
		l.Close()
		return fmt.Errorf("%w: SOCKSServer needs Streams and Exit", ErrBadConfig)
	}
	log := discardLogger(s.Logger)
	return serve(ctx, l, s.MaxConns, func(ctx context.Context, c net.Conn) {
		if err := s.handle(ctx, c); err != nil {
			log.Info("socks: request failed", "client", c.RemoteAddr().String(), "err", err)
		}
	})
}

func (s *SOCKSServer) handle(ctx context.Context, c net.Conn) error {
	c.SetDeadline(time.Now().Add(HeaderTimeout))
	ok, err := readSOCKSGreeting(c)
	if err != nil {
		return err
	}
	if !ok {
		c.Write([]byte{socksVersion, socksMethodNone})
		return fmt.Errorf("%w: no acceptable authentication method", ErrUnsupported)
	}
	if _, err := c.Write([]byte{socksVersion, socksMethodNoAuth}); err != nil {
		return err
	}
	t, code, err := readSOCKSRequest(c)
	if err != nil {
		c.Write(socksReply(code))
		return err
	}
	c.SetDeadline(time.Time{})
	up, code, err := dialExit(ctx, s.Streams, s.Exit, t)
	if err != nil {
		c.Write(socksReply(code))
		return fmt.Errorf("connect %s via %s: %w", t, s.Exit.Short(), err)
	}
	if _, err := c.Write(socksReply(ReplySucceeded)); err != nil {
		up.Close()
		return err
	}
	relay(ctx, c, up)
	return nil
}

// Forward forwards TCP connections accepted on a local address to Target, dialed by the node To
// under its exit policy (To runs an ExitServer).
type Forward struct {
	// Streams is the local node's Endpoint.
	Streams *Endpoint
	// Listen is the local TCP address, e.g. 127.0.0.1:8080.
	Listen string
	// To is the node that dials Target.
	To identity.NodeID
	// Target is the destination host:port, as seen from To.
	Target string
	// MaxConns bounds concurrent connections; zero means DefaultMaxConns.
	MaxConns int
	// Logger receives one line per failed connection; nil discards them.
	Logger *slog.Logger
}

// ListenAndServe listens on f.Listen and serves until ctx ends.
func (f *Forward) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", f.Listen)
	if err != nil {
		return fmt.Errorf("stream: forward: %w", err)
	}
	return f.Serve(ctx, l)
}

// Serve forwards the connections of l until ctx ends or l fails.
func (f *Forward) Serve(ctx context.Context, l net.Listener) error {
	if f.Streams == nil || f.To.IsZero() {
		l.Close()
		return fmt.Errorf("%w: Forward needs Streams and To", ErrBadConfig)
	}
	t, err := ParseTarget(f.Target)
	if err != nil {
		l.Close()
		return fmt.Errorf("%w: Forward target: %w", ErrBadConfig, err)
	}
	log := discardLogger(f.Logger)
	return serve(ctx, l, f.MaxConns, func(ctx context.Context, c net.Conn) {
		up, _, err := dialExit(ctx, f.Streams, f.To, t)
		if err != nil {
			log.Info("forward: connect failed", "target", f.Target, "via", f.To.Short(), "err", err)
			return
		}
		relay(ctx, c, up)
	})
}

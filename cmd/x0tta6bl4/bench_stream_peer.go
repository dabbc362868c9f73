package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// newBenchStreamPeerCmd is the hidden helper bench stream runs in each namespace: a TCP sink that
// confirms what it received, and a sender that pushes bytes to it, directly or through SOCKS5.
func newBenchStreamPeerCmd() *cobra.Command {
	peer := &cobra.Command{Use: "stream-peer", Short: "Sink and sender processes of bench stream", Hidden: true}
	var listen string
	sink := &cobra.Command{
		Use:  "sink",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var lc net.ListenConfig
			l, err := lc.Listen(cmd.Context(), "tcp", listen)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "listening %s\n", l.Addr())
			return serveSink(cmd.Context(), l)
		},
	}
	sink.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "TCP address to listen on")
	var to, socks string
	var size, rate int64
	var timeout time.Duration
	send := &cobra.Command{
		Use:  "send",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dst, err := netip.ParseAddrPort(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			if size < 0 || size > streamBenchMaxBytes || rate < 0 {
				return fmt.Errorf("--bytes must be in 0..%d and --rate not negative", int64(streamBenchMaxBytes))
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			tr, err := sendStream(ctx, dst, socks, size, rate)
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(tr)
		},
	}
	send.Flags().StringVar(&to, "to", "", "sink address, IP:port")
	send.Flags().StringVar(&socks, "socks", "", "SOCKS5 proxy to connect through (waits up to 30 s for it to work)")
	send.Flags().Int64Var(&size, "bytes", 1<<20, "bytes to send")
	send.Flags().Int64Var(&rate, "rate", 0, "bytes per second, 0 for as fast as possible")
	send.Flags().DurationVar(&timeout, "timeout", streamBenchTimeout, "bound on the whole run")
	peer.AddCommand(sink, send)
	return peer
}

// serveSink serves sink connections on l until ctx ends: each is read to its end and answered with
// streamSinkReplySize bytes: the byte count, their CRC-32C and the longest gap between reads in ns.
func serveSink(ctx context.Context, l net.Listener) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Go(func() {
			defer c.Close()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			_ = sinkConn(c)
		})
	}
}

func sinkConn(c net.Conn) error {
	buf := make([]byte, streamSinkBuffer)
	var n int64
	var crc uint32
	var last time.Time
	var gap time.Duration
	for {
		k, err := c.Read(buf)
		if k > 0 {
			now := time.Now()
			if !last.IsZero() {
				gap = max(gap, now.Sub(last))
			}
			last = now
			n += int64(k)
			crc = crc32.Update(crc, crc32c, buf[:k])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	reply := binary.BigEndian.AppendUint64(nil, uint64(n))
	reply = binary.BigEndian.AppendUint32(reply, crc)
	reply = binary.BigEndian.AppendUint64(reply, uint64(gap))
	_, err := c.Write(reply)
	return err
}

// sendStream connects to dst, directly or through the SOCKS5 proxy socks, and sends size random
// bytes at most rate bytes/s (0: no limit); it returns when the sink has confirmed them. Through a
// proxy it first retries an empty transfer until one succeeds (routes and sessions are up) or
// streamBenchSetup passes. The time runs from the connection being established to the confirmation.
func sendStream(ctx context.Context, dst netip.AddrPort, socks string, size, rate int64) (streamTransfer, error) {
	dial := func(ctx context.Context) (net.Conn, error) {
		if socks == "" {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", dst.String())
		}
		return socksConnect(ctx, socks, dst)
	}
	if socks != "" {
		deadline := time.Now().Add(streamBenchSetup)
		for {
			c, err := dial(ctx)
			if err == nil {
				_, err = pushStream(ctx, c, 0, 0, nil)
			}
			if err == nil {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return streamTransfer{}, fmt.Errorf("no working path through %s to %s: %w", socks, dst, err)
			}
			time.Sleep(streamBenchRetry)
		}
	}
	c, err := dial(ctx)
	if err != nil {
		return streamTransfer{}, err
	}
	block := make([]byte, streamBenchChunk)
	if _, err := io.ReadFull(rand.Reader, block); err != nil {
		return streamTransfer{}, err
	}
	return pushStream(ctx, c, size, rate, block)
}

// pushStream sends size bytes of block, repeated, over c, closes its sending side and reads the
// sink's reply; it closes c.
func pushStream(ctx context.Context, c net.Conn, size, rate int64, block []byte) (streamTransfer, error) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	tr := streamTransfer{Sent: size}
	var crc uint32
	start := time.Now()
	for sent := int64(0); sent < size; {
		p := block[:min(int64(len(block)), size-sent)]
		if rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second)))))
		}
		if _, err := c.Write(p); err != nil {
			return tr, fmt.Errorf("after %d bytes: %w", sent, err)
		}
		crc = crc32.Update(crc, crc32c, p)
		sent += int64(len(p))
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return tr, err
		}
	}
	var reply [streamSinkReplySize]byte
	if _, err := io.ReadFull(c, reply[:]); err != nil {
		return tr, fmt.Errorf("reading the sink's confirmation: %w", err)
	}
	tr.Seconds = time.Since(start).Seconds()
	tr.Delivered = int64(binary.BigEndian.Uint64(reply[:8]))
	tr.Intact = tr.Delivered == size && binary.BigEndian.Uint32(reply[8:12]) == crc
	tr.MaxGapMS = float64(binary.BigEndian.Uint64(reply[12:])) / float64(time.Millisecond)
	return tr, nil
}

// socksConnect opens a SOCKS5 (RFC 1928) CONNECT to dst through proxy, with no authentication.
func socksConnect(ctx context.Context, proxy string, dst netip.AddrPort) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", proxy)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(streamBenchSetup))
	req := []byte{5, 1, 0, 5, 1, 0, 1}
	if dst.Addr().Is6() {
		req[6] = 4
	}
	req = append(req, dst.Addr().AsSlice()...)
	req = binary.BigEndian.AppendUint16(req, dst.Port())
	if _, err = c.Write(req); err == nil {
		err = readSOCKSReply(c)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("socks5 via %s: %w", proxy, err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// readSOCKSReply reads the proxy's method selection and CONNECT reply (RFC 1928 §§3, 6) after a
// request for no authentication; it fails unless both say yes. It reads exactly the reply's bytes.
func readSOCKSReply(r io.Reader) error {
	var head [6]byte // method selection (2) and the reply up to its address type (4)
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return fmt.Errorf("%w: %w", errSOCKSReply, err)
	}
	if head[0] != 5 || head[1] != 0 || head[2] != 5 || head[3] != 0 {
		return fmt.Errorf("%w: %v", errSOCKSReply, head[:4])
	}
	var skip int64
	switch head[5] {
	case 1:
		skip = 4 + 2
	case 4:
		skip = 16 + 2
	case 3:
		var l [1]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return fmt.Errorf("%w: %w", errSOCKSReply, err)
		}
		skip = int64(l[0]) + 2
	default:
		return fmt.Errorf("%w: address type %d", errSOCKSReply, head[5])
	}
	if n, err := io.CopyN(io.Discard, r, skip); err != nil {
		return fmt.Errorf("%w: address cut short after %d of %d bytes: %w", errSOCKSReply, n, skip, err)
	}
	return nil
}

// checkNetns reports why network namespaces cannot be made here, or nil.
func checkNetns() error {
	if os.Geteuid() != 0 {
		return errNeedRoot
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errNoIP
	}
	return nil
}

// netnsLab is a set of network namespaces and veth pairs; close deletes them all.
type netnsLab struct {
	names []string
}

func ipRun(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// addNS creates namespace name with its loopback up.
func (l *netnsLab) addNS(name string) (string, error) {
	if err := ipRun("netns", "add", name); err != nil {
		return "", err
	}
	l.names = append(l.names, name)
	return name, ipRun("-n", name, "link", "set", "lo", "up")
}

// link joins namespaces x and y with a veth pair ifX–ifY carrying addrX/24 and addrY/24, up.
func (l *netnsLab) link(x, y, ifX, ifY, addrX, addrY string) error {
	for _, args := range [][]string{
		{"link", "add", ifX, "netns", x, "type", "veth", "peer", "name", ifY, "netns", y},
		{"-n", x, "addr", "add", addrX + "/24", "dev", ifX},
		{"-n", y, "addr", "add", addrY + "/24", "dev", ifY},
		{"-n", x, "link", "set", ifX, "up"},
		{"-n", y, "link", "set", ifY, "up"},
	} {
		if err := ipRun(args...); err != nil {
			return err
		}
	}
	return nil
}

// close deletes the namespaces, and with them their veth ends.
func (l *netnsLab) close() error {
	var errs []error
	for _, n := range l.names {
		errs = append(errs, ipRun("netns", "del", n))
	}
	l.names = nil
	return errors.Join(errs...)
}

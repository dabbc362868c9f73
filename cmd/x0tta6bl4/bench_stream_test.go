package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkStreamRow checks a row's internal consistency: every byte delivered both ways, goodput =
// bytes / time, ratio = mesh / raw. It never checks an absolute speed.
func checkStreamRow(t *testing.T, r streamBenchRow, mode string, hops int, size int64) {
	t.Helper()
	if r.Mode != mode || r.Hops != hops || r.Bytes != size {
		t.Fatalf("row %+v, want mode %s, %d hops, %d bytes", r, mode, hops, size)
	}
	if r.MeshDelivered != size || r.RawDelivered != size {
		t.Fatalf("delivered mesh %d raw %d, sent %d", r.MeshDelivered, r.RawDelivered, size)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }
	if r.MeshSeconds <= 0 || r.RawSeconds <= 0 ||
		!near(r.MeshMBps, float64(size)/r.MeshSeconds/1e6) || !near(r.RawMBps, float64(size)/r.RawSeconds/1e6) ||
		!near(r.Ratio, r.MeshMBps/r.RawMBps) {
		t.Fatalf("inconsistent row %+v", r)
	}
}

// TestBenchStreamLoopback runs bench stream small (4 MiB, 1 hop, real node processes on loopback).
func TestBenchStreamLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	const size = 4 << 20
	var out bytes.Buffer
	if err := runBenchStream(context.Background(), &out, streamBenchOptions{bin: bin, hops: []int{1}, bytes: size}, true); err != nil {
		t.Fatal(err)
	}
	var rows []streamBenchRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	checkStreamRow(t, rows[0], "loopback", 1, size)
	out.Reset()
	if err := runBenchStream(context.Background(), &out, streamBenchOptions{bin: bin, hops: []int{1}, bytes: 1000}, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "loopback    1         1000") || !strings.Contains(out.String(), "goal: mesh/raw >= 0.40") {
		t.Fatalf("table:\n%s", out.String())
	}
}

// TestRunSenderChecks checks that runSender refuses a failed, garbled or incomplete transfer.
func TestRunSenderChecks(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, script, want string
	}{
		{"fails", "echo oops >&2; exit 1", "oops"},
		{"garbled", "echo not-json", "sender output"},
		{"lost", `echo '{"sent":10,"delivered":9,"intact":false,"seconds":1}'`, "did not confirm"},
		{"wrong size", `echo '{"sent":11,"delivered":11,"intact":true,"seconds":1}'`, "did not confirm"},
	} {
		bin := filepath.Join(dir, tc.name)
		if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := runSender(context.Background(), nil, bin, "127.0.0.1:1", "", 10, 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if tc.name == "lost" && !errors.Is(err, errTransferLost) {
			t.Errorf("lost: %v is not errTransferLost", err)
		}
	}
}

// TestBenchStreamNetns runs bench stream --netns small (1 and 3 hops) when root.
func TestBenchStreamNetns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and creates network namespaces")
	}
	if err := checkNetns(); err != nil {
		t.Skip(err)
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	const size = 2 << 20
	rows, err := benchStream(context.Background(), streamBenchOptions{bin: bin, hops: []int{1, 3}, bytes: size, netns: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	checkStreamRow(t, rows[0], "netns", 1, size)
	checkStreamRow(t, rows[1], "netns", 3, size)
}

func TestBenchStreamBadOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bytes", "0"}, "--bytes must be in"},
		{[]string{"--hops", "0"}, "--hops: 0 not in"},
		{[]string{"--hops", "9"}, "--hops: 9 not in"},
	} {
		code, _, errs := runCLI(context.Background(), append([]string{"bench", "stream"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("bench stream %v: exit %d, %q; want %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := benchStream(context.Background(), streamBenchOptions{bytes: 1}); err == nil || !strings.Contains(err.Error(), "--hops is empty") {
		t.Errorf("no hops: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"send", "--to", "nowhere"}, "--to"},
		{[]string{"send", "--to", "127.0.0.1:1", "--bytes", "-1"}, "--bytes must be in"},
		{[]string{"send", "--to", "127.0.0.1:1", "--rate", "-1"}, "--rate not negative"},
		{[]string{"sink", "--listen", "256.0.0.1:0"}, "256.0.0.1"},
	} {
		code, _, errs := runCLI(context.Background(), append([]string{"bench", "stream-peer"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("bench stream-peer %v: exit %d, %q; want %q", tc.args, code, errs, tc.want)
		}
	}
}

// startTestSink serves a sink on loopback for the length of the test.
func startTestSink(t *testing.T) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveSink(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return netip.MustParseAddrPort(l.Addr().String())
}

func TestSinkAndSender(t *testing.T) {
	sink := startTestSink(t)
	for _, tc := range []struct {
		size, rate int64
		minSeconds float64
	}{
		{0, 0, 0},
		{1, 0, 0},
		{streamBenchChunk + 7, 0, 0},
		{3 << 20, 0, 0},
		{1 << 20, 4 << 20, 0.2}, // paced: 1 MiB at 4 MiB/s takes at least 0.25 s less the first chunk
	} {
		tr, err := sendStream(context.Background(), sink, "", tc.size, tc.rate)
		if err != nil {
			t.Fatalf("%d bytes: %v", tc.size, err)
		}
		if tr.Sent != tc.size || tr.Delivered != tc.size || !tr.Intact || tr.Seconds < tc.minSeconds || tr.MaxGapMS < 0 {
			t.Fatalf("%d bytes at %d B/s: %+v", tc.size, tc.rate, tr)
		}
	}
	// The CLI form prints the same result as JSON.
	code, out, errs := runCLI(context.Background(), "bench", "stream-peer", "send", "--to", sink.String(), "--bytes", "1000")
	if code != 0 || !strings.Contains(out, `"delivered":1000`) || !strings.Contains(out, `"intact":true`) {
		t.Fatalf("stream-peer send: %d %s %s", code, out, errs)
	}
}

// fakeSink answers every connection with reply after reading to EOF.
func fakeSink(t *testing.T, reply func(n int64) []byte) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n, _ := io.Copy(io.Discard, c)
			c.Write(reply(n))
			c.Close()
		}
	}()
	return netip.MustParseAddrPort(l.Addr().String())
}

// TestSenderDetectsLoss checks that a sink confirming fewer bytes, or other bytes, is noticed.
func TestSenderDetectsLoss(t *testing.T) {
	short := fakeSink(t, func(n int64) []byte {
		return append(binary.BigEndian.AppendUint64(nil, uint64(n-1)), make([]byte, 12)...)
	})
	tr, err := sendStream(context.Background(), short, "", 1000, 0)
	if err != nil || tr.Intact || tr.Delivered != 999 {
		t.Fatalf("short sink: %+v, %v", tr, err)
	}
	badCRC := fakeSink(t, func(n int64) []byte {
		return append(binary.BigEndian.AppendUint64(nil, uint64(n)), make([]byte, 12)...)
	})
	if tr, err := sendStream(context.Background(), badCRC, "", 1000, 0); err != nil || tr.Intact {
		t.Fatalf("sink with a wrong CRC: %+v, %v", tr, err)
	}
	truncated := fakeSink(t, func(int64) []byte { return []byte{1, 2, 3} })
	if _, err := sendStream(context.Background(), truncated, "", 1000, 0); err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated reply: %v", err)
	}
	closed := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp")))
	if _, err := sendStream(context.Background(), closed, "", 1000, 0); err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
}

// fakeSOCKS serves one scripted SOCKS5 exchange per connection: it reads the greeting and the
// request (IPv4 or IPv6) and writes reply.
func fakeSOCKS(t *testing.T, reply []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			head := make([]byte, 3+4)
			if _, err := io.ReadFull(c, head); err == nil {
				alen := map[byte]int{1: 4, 4: 16}[head[6]]
				_, _ = io.CopyN(io.Discard, c, int64(alen+2))
				c.Write(reply)
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

func TestSOCKSConnect(t *testing.T) {
	dst4 := netip.MustParseAddrPort("127.0.0.1:9")
	dst6 := netip.MustParseAddrPort("[::1]:9")
	ok4 := []byte{5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 9}
	ok6 := append([]byte{5, 0, 5, 0, 0, 4}, make([]byte, 18)...)
	okName := append([]byte{5, 0, 5, 0, 0, 3, 4}, "host\x00\x09"...)
	for _, tc := range []struct {
		name  string
		reply []byte
		dst   netip.AddrPort
		want  string // "" for success
	}{
		{"ipv4", ok4, dst4, ""},
		{"ipv6", ok6, dst6, ""},
		{"bound name", okName, dst4, ""},
		{"refused", []byte{5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0}, dst4, "SOCKS5 proxy refused"},
		{"bad address type", []byte{5, 0, 5, 0, 0, 2, 0, 0, 0, 0, 0, 0}, dst4, "address type 2"},
		{"short name", []byte{5, 0, 5, 0, 0, 3}, dst4, "EOF"},
		{"no auth", []byte{5, 0xff}, dst4, "EOF"},
		{"short address", []byte{5, 0, 5, 0, 0, 1, 127}, dst4, "EOF"},
	} {
		c, err := socksConnect(context.Background(), fakeSOCKS(t, tc.reply), tc.dst)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			c.Close()
		} else if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := socksConnect(context.Background(), fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp")), dst4); err == nil {
		t.Error("a proxy that is not listening worked")
	}
	// Through a proxy that never works, the sender gives up when its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	refusing := fakeSOCKS(t, []byte{5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
	if _, err := sendStream(ctx, dst4, refusing, 10, 0); err == nil || !strings.Contains(err.Error(), "no working path") {
		t.Errorf("sender through a refusing proxy: %v", err)
	}
}

func TestTailBuffer(t *testing.T) {
	var b tailBuffer
	for i := range 3 * streamBenchLogTail / 10 {
		fmt.Fprintf(&b, "%09d\n", i)
	}
	s := b.String()
	if len(s) != streamBenchLogTail || !strings.HasSuffix(s, fmt.Sprintf("%09d\n", 3*streamBenchLogTail/10-1)) {
		t.Fatalf("tail of %d bytes ends %q", len(s), s[len(s)-20:])
	}
}

func TestBenchProcFailures(t *testing.T) {
	if _, err := startBenchProc("missing", []string{filepath.Join(t.TempDir(), "no-such-binary")}, nil); err == nil {
		t.Fatal("started a missing binary")
	}
	p, err := startBenchProc("false", []string{"sh", "-c", "echo boom; exit 3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-p.done
	if err := p.stop(); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("stop of a failed process: %v", err)
	}
	if _, _, err := startSink(context.Background(), nil, "true", "127.0.0.1:0"); err == nil {
		t.Fatal("a sink that prints nothing started")
	}
}

// BenchmarkStreamInProcess pushes bytes through two nodes run in this process with the node command
// (SOCKS5 on one, exit on the other, UDP on 127.0.0.1) to an in-process sink: one CPU profile
// (-cpuprofile) then covers the sender's node, the exit node and the QUIC stacks of both.
func BenchmarkStreamInProcess(b *testing.B) {
	for _, hops := range []int{1, 3} {
		b.Run(fmt.Sprintf("hops=%d", hops), func(b *testing.B) { benchmarkStreamHops(b, hops) })
	}
}

func benchmarkStreamHops(b *testing.B, hops int) {
	const size = 8 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sinkDone := make(chan error, 1)
	go func() { sinkDone <- serveSink(ctx, l) }()
	sink := netip.MustParseAddrPort(l.Addr().String())

	dir := b.TempDir()
	n := hops + 1
	ids, err := writeStreamIdentities(dir, n)
	if err != nil {
		b.Fatal(err)
	}
	ports := make([]uint16, n)
	for i := range ports {
		if ports[i], err = freeUDPPort(); err != nil {
			b.Fatal(err)
		}
	}
	socks, err := freeTCPAddr()
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan string, n)
	for i := range n {
		cfg := fmt.Sprintf("listen: '127.0.0.1:%d'\nidentity: {key: n%d.key, cert: n%d.crt, ca: ca.crt}\nmin_peers: -1\napi: {listen: 'off'}\nlog: {level: warn}\n", ports[i], i, i)
		if i > 0 {
			cfg += fmt.Sprintf("peers: [{address: '127.0.0.1:%d'}]\n", ports[i-1])
		}
		if i == 0 {
			cfg += fmt.Sprintf("socks: {listen: '%s', exit: %s}\n", socks, ids[n-1])
		}
		if i == n-1 {
			cfg += fmt.Sprintf("exit: {allow: ['127.0.0.1/32:%d']}\n", sink.Port())
		}
		path := filepath.Join(dir, fmt.Sprintf("n%d.yaml", i))
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			b.Fatal(err)
		}
		go func() {
			_, _, errs := runCLI(ctx, "node", "--config", path)
			done <- errs
		}()
	}
	defer func() {
		cancel()
		for range n {
			if errs := <-done; errs != "" {
				b.Errorf("node: %s", errs)
			}
		}
		<-sinkDone
	}()
	// The first transfer waits for routes and sessions and is not timed.
	if _, err := sendStream(ctx, sink, socks, 1, 0); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		tr, err := sendStream(ctx, sink, socks, size, 0)
		if err != nil || !tr.Intact {
			b.Fatalf("%+v, %v", tr, err)
		}
	}
}

// TestBenchRerouteLoad checks the busy trials' bulk load: carried before the cut on busy trials
// only, and --load bounded.
func TestBenchRerouteLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three nodes for a few seconds")
	}
	var out bytes.Buffer
	printRerouteReport(&out, rerouteReport{ProbeMS: 10, Trials: []rerouteTrial{{DetectionMS: 230}, {Busy: true, DetectionMS: 240, CarriedMBps: 9.5}}})
	for _, want := range []string{"trial   link    detection", "1       idle        230ms", "2       busy        240ms", "      9.5\n", "detection idle p50"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("bench reroute output lacks %q:\n%s", want, out.String())
		}
	}
	rep, err := benchReroute(context.Background(), 1, 10*time.Millisecond, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Trials) != 2 || rep.LoadMBps != 2 || rep.Trials[0].Busy || rep.Trials[0].CarriedMBps != 0 ||
		!rep.Trials[1].Busy || rep.Trials[1].CarriedMBps <= 0 || rep.Trials[1].ProbesSent == 0 {
		t.Fatalf("report %+v", rep)
	}
	for _, load := range []string{"-1", "1001", "NaN"} {
		code, _, errs := runCLI(context.Background(), "bench", "reroute", "--load", load)
		if code == 0 || !strings.Contains(errs, "--load must be in") {
			t.Errorf("--load %s: exit %d, %s", load, code, errs)
		}
	}
}

// FuzzReadSOCKSReply feeds arbitrary proxy replies to readSOCKSReply: it never panics, accepts only a
// well-formed success reply, and then has read exactly that reply's bytes (never more than the
// longest possible reply).
func FuzzReadSOCKSReply(f *testing.F) {
	f.Add([]byte{5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 9})
	f.Add(append([]byte{5, 0, 5, 0, 0, 4}, make([]byte, 18)...))
	f.Add(append([]byte{5, 0, 5, 0, 0, 3, 4}, "host\x00\x09trailing"...))
	f.Add([]byte{5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{5, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		err := readSOCKSReply(r)
		used := len(b) - r.Len()
		if used > 6+1+255+2 {
			t.Fatalf("read %d bytes", used)
		}
		if err != nil {
			if !errors.Is(err, errSOCKSReply) {
				t.Fatalf("error %v is not errSOCKSReply", err)
			}
			return
		}
		want := map[byte]int{1: 6 + 4 + 2, 4: 6 + 16 + 2}[b[5]]
		if b[5] == 3 {
			want = 6 + 1 + int(b[6]) + 2
		}
		if !bytes.Equal(b[:4], []byte{5, 0, 5, 0}) || used != want {
			t.Fatalf("accepted %x, read %d bytes, want %d", b, used, want)
		}
	})
}

func TestWriteStreamIdentities(t *testing.T) {
	dir := t.TempDir()
	ids, err := writeStreamIdentities(dir, 2)
	if err != nil || len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("%v, %v", ids, err)
	}
	// Keys are never overwritten.
	if _, err := writeStreamIdentities(dir, 1); err == nil {
		t.Fatal("overwrote n0.key")
	}
	file := filepath.Join(dir, "n0.key")
	if _, err := writeStreamIdentities(filepath.Join(file, "sub"), 1); err == nil {
		t.Fatal("wrote under a regular file")
	}
}

package stream

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
)

func TestReadSOCKSGreeting(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		ok      bool
		wantErr error
	}{
		{"no auth offered", []byte{5, 2, 2, 0}, true, nil},
		{"only user/pass", []byte{5, 1, 2}, false, nil},
		{"socks4", []byte{4, 1, 0}, false, ErrMalformed},
		{"zero methods", []byte{5, 0}, false, ErrMalformed},
		{"truncated methods", []byte{5, 3, 0}, false, ErrMalformed},
		{"empty", nil, false, ErrMalformed},
	} {
		ok, err := readSOCKSGreeting(bytes.NewReader(tc.in))
		if ok != tc.ok || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s: %v %v", tc.name, ok, err)
		}
	}
}

func TestReadSOCKSRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want Target
		code byte
		err  error
	}{
		{"ipv4", socksSeeds[0], Target{"127.0.0.1", 80}, ReplySucceeded, nil},
		{"ipv6", socksSeeds[1], Target{"::1", 443}, ReplySucceeded, nil},
		{"name", socksSeeds[2], Target{"example.com", 443}, ReplySucceeded, nil},
		{"bind", socksSeeds[3], Target{}, ReplyCommandNotSupported, ErrUnsupported},
		{"atyp", socksSeeds[4], Target{}, ReplyAddressNotSupported, ErrUnsupported},
		{"empty name", socksSeeds[5], Target{}, ReplyAddressNotSupported, ErrMalformed},
		{"version", socksSeeds[6], Target{}, ReplyGeneralFailure, ErrMalformed},
		{"truncated", socksSeeds[7], Target{}, ReplyGeneralFailure, ErrMalformed},
		{"port 0", socksSeeds[8], Target{}, ReplyAddressNotSupported, ErrMalformed},
		{"no name length", []byte{5, 1, 0, 3}, Target{}, ReplyGeneralFailure, ErrMalformed},
		{"short header", []byte{5, 1}, Target{}, ReplyGeneralFailure, ErrMalformed},
	} {
		got, code, err := readSOCKSRequest(bytes.NewReader(tc.in))
		if got != tc.want || code != tc.code || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("%s: %+v %#x %v", tc.name, got, code, err)
		}
	}
}

func TestTargets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target
		ok   bool
	}{
		{"127.0.0.1:80", Target{"127.0.0.1", 80}, true},
		{"[::1]:22", Target{"::1", 22}, true},
		{"example.com:443", Target{"example.com", 443}, true},
		{"example.com", Target{}, false},
		{"example.com:http", Target{}, false},
		{"example.com:0", Target{}, false},
		{":80", Target{}, false},
		{"exa mple.com:80", Target{}, false},
	} {
		got, err := ParseTarget(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseTarget(%q) = %+v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
		if !tc.ok && !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseTarget(%q) error %v", tc.in, err)
		}
	}
	if _, err := marshalExitRequest(Target{Host: string(make([]byte, MaxHostLen+1)), Port: 1}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("overlong host: %v", err)
	}
}

func TestExitReply(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		code byte
		err  error
	}{
		{[]byte{ExitVersion, ReplySucceeded}, ReplySucceeded, nil},
		{[]byte{ExitVersion, ReplyNotAllowed}, ReplyNotAllowed, nil},
		{[]byte{9, 0}, ReplyGeneralFailure, ErrMalformed},
		{[]byte{ExitVersion}, ReplyGeneralFailure, ErrMalformed},
	} {
		code, err := readExitReply(bytes.NewReader(tc.in))
		if code != tc.code || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("%x: %#x %v", tc.in, code, err)
		}
	}
	if replyError(ReplySucceeded) != nil || !errors.Is(replyError(ReplyNotAllowed), ErrNotAllowed) || !errors.Is(replyError(ReplyConnectionRefused), ErrRefused) {
		t.Fatal("replyError")
	}
	if _, err := readExitRequest(bytes.NewReader([]byte{ExitVersion})); !errors.Is(err, ErrMalformed) {
		t.Fatal(err)
	}
}

func TestPolicy(t *testing.T) {
	p := Policy{Rules: []Rule{
		{Prefix: netip.MustParsePrefix("127.0.0.1/32"), FirstPort: 80, LastPort: 90},
		{Prefix: netip.MustParsePrefix("10.0.0.0/8"), FirstPort: 1, LastPort: 65535},
	}}
	for _, tc := range []struct {
		addr string
		port uint16
		want bool
	}{
		{"127.0.0.1", 80, true},
		{"127.0.0.1", 90, true},
		{"127.0.0.1", 91, false},
		{"127.0.0.2", 80, false},
		{"::ffff:127.0.0.1", 85, true},
		{"10.9.8.7", 65535, true},
		{"::1", 80, false},
	} {
		if got := p.Allows(netip.MustParseAddr(tc.addr), tc.port); got != tc.want {
			t.Errorf("Allows(%s, %d) = %v", tc.addr, tc.port, got)
		}
	}
	var zero Policy
	if zero.Allows(netip.MustParseAddr("127.0.0.1"), 80) {
		t.Fatal("the zero Policy allows something")
	}
	for _, bad := range []Rule{{FirstPort: 1, LastPort: 2}, {Prefix: netip.MustParsePrefix("::/0"), FirstPort: 0, LastPort: 2}, {Prefix: netip.MustParsePrefix("::/0"), FirstPort: 3, LastPort: 2}} {
		if err := (&Policy{Rules: []Rule{bad}}).check(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("rule %+v accepted", bad)
		}
	}
	ctx := context.Background()
	for _, tc := range []struct {
		p    Policy
		t    Target
		code byte
	}{
		{p, Target{"127.0.0.2", 80}, ReplyNotAllowed},
		{p, Target{"fe80::1%lo", 80}, ReplyNotAllowed},
		{p, Target{"localhost", 80}, ReplyNotAllowed}, // names not resolved
		{Policy{Rules: p.Rules, ResolveNames: true}, Target{"localhost", 1}, ReplyNotAllowed},
		{Policy{Rules: p.Rules, ResolveNames: true}, Target{"no-such-host.invalid", 80}, ReplyHostUnreachable},
	} {
		c, code, err := tc.p.dial(ctx, tc.t)
		if c != nil || code != tc.code || err == nil {
			t.Errorf("dial %v: %#x %v", tc.t, code, err)
		}
	}
	// a closed port on an allowed address is refused
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	open := Policy{Rules: []Rule{{Prefix: netip.MustParsePrefix("127.0.0.1/32"), FirstPort: 1, LastPort: 65535}}}
	if _, code, err := open.dial(ctx, Target{"127.0.0.1", port}); code != ReplyConnectionRefused || err == nil {
		t.Fatalf("closed port: %#x %v", code, err)
	}
}

func TestDialReply(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code byte
	}{
		{&net.OpError{Err: syscall.ECONNREFUSED}, ReplyConnectionRefused},
		{&net.OpError{Err: syscall.ENETUNREACH}, ReplyNetworkUnreachable},
		{&net.OpError{Err: syscall.EHOSTUNREACH}, ReplyHostUnreachable},
		{context.DeadlineExceeded, ReplyHostUnreachable},
		{errors.New("other"), ReplyGeneralFailure},
	} {
		if got := dialReply(tc.err); got != tc.code {
			t.Errorf("dialReply(%v) = %#x, want %#x", tc.err, got, tc.code)
		}
	}
}

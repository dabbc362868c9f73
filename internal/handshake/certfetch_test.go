package handshake

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestCertFetch(t *testing.T) {
	a, b := pair(t)
	dgs, err := a.m.Initiate(t0, b.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dgs) != 1 || len(dgs[0].Data) != CertRequestSize || dgs[0].Data[0] != TypeCertRequest {
		t.Fatalf("certificate fetch starts with %d datagrams, want one %d-byte CertRequest", len(dgs), CertRequestSize)
	}
	if s := a.m.Stats(); s.PendingCertFetches != 1 || s.PendingHandshakes != 0 {
		t.Fatalf("stats %+v", s)
	}
	n := newNet(t, a, b)
	n.run(t0, packets(a.addr, dgs))
	want := []byte{TypeCertRequest, TypeRetry, TypeCertRequest, TypeCertReply, TypeInitiation, TypeResponse}
	if !bytes.Equal(n.types, want) {
		t.Errorf("messages %v, want %v", n.types, want)
	}
	if len(n.errs) != 1 || !errors.Is(n.errs[0], ErrCookieRequired) {
		t.Errorf("errors %v, want one ErrCookieRequired (the Retry)", n.errs)
	}
	if len(n.est[a.name]) != 1 || len(n.est[b.name]) != 1 {
		t.Fatalf("not established: %v", n.errs)
	}
	checkMatch(t, n.est[a.name][0], n.est[b.name][0], a, b)

	// The Retry cookie is remembered: a second fetch needs no Retry.
	dgs, err = a.m.Initiate(t0.Add(time.Second), b.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	n = newNet(t, a, b)
	n.run(t0.Add(time.Second), packets(a.addr, dgs))
	want = []byte{TypeCertRequest, TypeCertReply, TypeInitiation, TypeResponse}
	if !bytes.Equal(n.types, want) || len(n.errs) != 0 {
		t.Errorf("second fetch: messages %v, errors %v; want %v", n.types, n.errs, want)
	}
}

func TestCertRequestRefused(t *testing.T) {
	a, b := pair(t)
	dgs, err := a.m.Initiate(t0, b.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := dgs[0].Data
	padded := bytes.Clone(req)
	padded[CertRequestSize-1] = 1
	tests := []struct {
		name string
		msg  []byte
		want error
	}{
		{"short", req[:CertRequestSize-1], ErrMalformed},
		{"long", append(bytes.Clone(req), 0), ErrMalformed},
		{"padding not zero", padded, ErrMalformed},
		{"reserved byte", append([]byte{TypeCertRequest, 1}, req[2:]...), ErrMalformed},
		{"no cookie", req, ErrCookieRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := b.m.Receive(t0, a.addr, tt.msg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, d := range res.Send {
				if len(d.Data) > len(tt.msg) {
					t.Errorf("answered a %d-byte request with %d bytes", len(tt.msg), len(d.Data))
				}
			}
		})
	}

	// A Retry cookie is bound to the address it was sent to.
	res, _ := b.m.Receive(t0, a.addr, req)
	_, cookie, err := parseRetry(res.Send[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	withCookie := marshalCertRequest(7, &cookie)
	if _, err := b.m.Receive(t0, addrPortWith(a.addr, 9), withCookie); !errors.Is(err, ErrCookieRequired) {
		t.Errorf("cookie from another address: err = %v, want ErrCookieRequired", err)
	}
	if res, err := b.m.Receive(t0, a.addr, withCookie); err != nil || len(res.Send) == 0 {
		t.Errorf("valid cookie: err = %v", err)
	}
}

func TestCertRequestRateLimit(t *testing.T) {
	a, b := pair(t)
	req := marshalCertRequest(1, &[CookieSize]byte{})
	res, _ := b.m.Receive(t0, a.addr, req)
	_, cookie, _ := parseRetry(res.Send[0].Data)
	req = marshalCertRequest(1, &cookie)
	var limited int
	for range RateLimitBurst + 3 {
		if _, err := b.m.Receive(t0, a.addr, req); errors.Is(err, ErrRateLimited) {
			limited++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if limited != 3 {
		t.Errorf("%d requests rate-limited, want 3", limited)
	}
	if _, err := b.m.Receive(t0.Add(time.Second), a.addr, req); err != nil {
		t.Errorf("after a second: %v", err)
	}
}

func TestCertFetchAnswers(t *testing.T) {
	a, b := pair(t)
	dgs, err := a.m.Initiate(t0, b.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	index, _, err := parseCertRequest(dgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	var cookie [CookieSize]byte
	stranger := makeTestCert("stranger", b.key.Public())

	tests := []struct {
		name string
		msg  func(index uint32) []byte
		want error
		send int
	}{
		{"Retry to another index", func(i uint32) []byte { return marshalRetry(i+1, &cookie) }, ErrNoPending, 0},
		{"CertReply to another index", func(i uint32) []byte { return marshalCertReply(i+1, b.raw) }, ErrNoPending, 0},
		{"untrusted certificate", func(i uint32) []byte { return marshalCertReply(i, stranger) }, ErrCert, 0},
		{"our own certificate", func(i uint32) []byte { return marshalCertReply(i, a.raw) }, ErrCert, 0},
		{"empty CertReply", func(i uint32) []byte { return marshalCertReply(i, nil) }, ErrMalformed, 0},
		{"short Retry", func(i uint32) []byte { return marshalRetry(i, &cookie)[:RetrySize-1] }, ErrMalformed, 0},
		{"Retry", func(i uint32) []byte { return marshalRetry(i, &cookie) }, nil, 1},
		{"second Retry in one period", func(i uint32) []byte { return marshalRetry(i, &cookie) }, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.m.Receive(t0, b.addr, tt.msg(index))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(res.Send) != tt.send {
				t.Errorf("sent %d datagrams, want %d", len(res.Send), tt.send)
			}
			if len(res.Send) == 1 {
				// The resend is a new CertRequest under a new index.
				index, _, _ = parseCertRequest(res.Send[0].Data)
			}
		})
	}
	if s := a.m.Stats(); s.PendingCertFetches != 1 {
		t.Errorf("PendingCertFetches = %d after refused answers, want 1", s.PendingCertFetches)
	}
	res, err := a.m.Receive(t0, b.addr, marshalCertReply(index, b.raw))
	if err != nil {
		t.Fatal(err)
	}
	if msg := oneMessage(t, res.Send); msg[0] != TypeInitiation {
		t.Fatalf("a CertReply is followed by type %#x, want an Initiation", msg[0])
	}
	if s := a.m.Stats(); s.PendingCertFetches != 0 || s.PendingHandshakes != 1 {
		t.Errorf("stats after CertReply %+v", s)
	}
}

package camo

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func newAuth(t testing.TB, key []byte) *authenticator {
	t.Helper()
	a, err := newAuthenticator(key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// mustToken returns an unbound token (a WebSocket client's).
func mustToken(t testing.TB, a *authenticator, now time.Time, port uint16) string {
	t.Helper()
	return mustBoundToken(t, a, now, port, nil)
}

// mustBoundToken returns a token bound to the channel binding, or unbound if it is nil.
func mustBoundToken(t testing.TB, a *authenticator, now time.Time, port uint16, binding []byte) string {
	t.Helper()
	s, err := a.newToken(rand.Reader, now, port, binding)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reencode decodes a token, lets f change its bytes and encodes it again.
func reencode(t *testing.T, s string, f func(b []byte)) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	f(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestTokenAccept(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a := newAuth(t, testKey)
	good := mustToken(t, a, now, 4433)
	if len(good) != 59 {
		t.Fatalf("token of %d characters, want 59", len(good))
	}
	chan1, chan2 := bytes.Repeat([]byte{1}, bindingSize), bytes.Repeat([]byte{2}, bindingSize)
	bound := mustBoundToken(t, a, now, 4433, chan1)
	tests := []struct {
		name    string
		token   string
		at      time.Time
		binding []byte
		want    error
	}{
		{"wrong key", mustToken(t, newAuth(t, otherKey), now, 4433), now, nil, ErrBadToken},
		{"empty", "", now, nil, ErrBadToken},
		{"short", good[:58], now, nil, ErrBadToken},
		{"not base64", strings.Repeat("*", 59), now, nil, ErrBadToken},
		{"version", reencode(t, good, func(b []byte) { b[0] = 2 }), now, nil, ErrBadToken},
		{"unknown flag", reencode(t, good, func(b []byte) { b[1] = 2 }), now, nil, ErrBadToken},
		{"flag set on an unbound token", reencode(t, good, func(b []byte) { b[1] = flagBound }), now, chan1, ErrBadToken},
		{"time changed", reencode(t, good, func(b []byte) { b[9]++ }), now, nil, ErrBadToken},
		{"port changed", reencode(t, good, func(b []byte) { b[27]++ }), now, nil, ErrBadToken},
		{"tag changed", reencode(t, good, func(b []byte) { b[43] ^= 1 }), now, nil, ErrBadToken},
		{"from the past", mustToken(t, a, now.Add(-MaxClockSkew-time.Second), 1), now, nil, ErrStaleToken},
		{"from the future", mustToken(t, a, now.Add(MaxClockSkew+time.Second), 1), now, nil, ErrStaleToken},
		{"at the window's edge", mustToken(t, a, now.Add(-MaxClockSkew), 1), now, nil, nil},
		{"bound, relayed to another TLS connection", bound, now, chan2, ErrBadToken},
		{"bound, no TLS connection", bound, now, nil, ErrBadToken},
		{"bound, its own TLS connection", bound, now, chan1, nil},
		{"unbound, on any TLS connection", mustToken(t, a, now, 1), now, chan2, nil},
		{"valid", good, now, nil, nil},
		{"replayed", good, now.Add(time.Second), nil, ErrReplay},
		{"replayed much later", good, now.Add(MaxClockSkew), nil, ErrReplay},
	}
	for _, tt := range tests {
		tok, err := a.accept(tt.token, tt.at, tt.binding)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
			continue
		}
		if tt.name == "valid" && (tok.port != 4433 || tok.time != now.Unix()) {
			t.Errorf("valid token decoded to port %d time %d", tok.port, tok.time)
		}
	}
}

// TestReplayCacheRotation checks that an accepted token stays refused for as long as its time
// is within the window, however the cache's generations rotate, and that the cache forgets it
// afterwards (bounded memory).
func TestReplayCacheRotation(t *testing.T) {
	a := newAuth(t, testKey)
	t0 := time.Unix(1_800_000_000, 0)
	early := t0.Add(-MaxClockSkew)
	a.accept(mustToken(t, a, early, 1), early, nil) // starts the first generation
	for _, off := range []time.Duration{0, MaxClockSkew, 2*MaxClockSkew - time.Second, 3 * MaxClockSkew} {
		issued := t0.Add(off)
		tok := mustToken(t, a, issued, 1)
		if _, err := a.accept(tok, issued.Add(-MaxClockSkew), nil); err != nil {
			t.Fatalf("offset %v: first use: %v", off, err)
		}
		for at := issued.Add(-MaxClockSkew); !at.After(issued.Add(MaxClockSkew)); at = at.Add(10 * time.Second) {
			if _, err := a.accept(tok, at, nil); !errors.Is(err, ErrReplay) {
				t.Fatalf("offset %v: replay at %v: %v, want ErrReplay", off, at.Sub(issued), err)
			}
		}
	}
	// Long after, both generations have been replaced.
	later := t0.Add(time.Hour)
	a.accept(mustToken(t, a, later, 1), later, nil)
	a.accept(mustToken(t, a, later.Add(2*MaxClockSkew), 1), later.Add(2*MaxClockSkew), nil)
	a.mu.Lock()
	n := len(a.cur) + len(a.old)
	a.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d entries remembered an hour later, want 2", n)
	}
	// A clock stepping backwards starts afresh but keeps what it had.
	back := later.Add(-time.Hour)
	tok := mustToken(t, a, back, 1)
	if _, err := a.accept(tok, back, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.accept(tok, back, nil); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay after the clock stepped back: %v", err)
	}
}

func TestReplayCacheFull(t *testing.T) {
	a := newAuth(t, testKey)
	now := time.Unix(1_800_000_000, 0)
	for range MaxReplayEntries {
		if _, err := a.accept(mustToken(t, a, now, 1), now, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.accept(mustToken(t, a, now, 1), now, nil); !errors.Is(err, ErrReplay) {
		t.Fatalf("token beyond a full cache: %v, want ErrReplay", err)
	}
	// After a rotation there is room again.
	if _, err := a.accept(mustToken(t, a, now.Add(2*MaxClockSkew), 1), now.Add(2*MaxClockSkew), nil); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
}

func TestProof(t *testing.T) {
	a, b := newAuth(t, testKey), newAuth(t, otherKey)
	tok := mustToken(t, a, time.Now(), 1)
	p := a.proof(tok)
	tests := []struct {
		name   string
		auth   *authenticator
		token  string
		proof  string
		wantOK bool
	}{
		{"valid", a, tok, p, true},
		{"other token", a, mustToken(t, a, time.Now(), 1), p, false},
		{"other key", b, tok, p, false},
		{"empty", a, tok, "", false},
		{"not base64", a, tok, strings.Repeat("!", len(p)), false},
		{"flipped", a, tok, reencode(t, p, func(b []byte) { b[0] ^= 1 }), false},
	}
	for _, tt := range tests {
		if got := tt.auth.checkProof(tt.token, tt.proof); got != tt.wantOK {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.wantOK)
		}
	}
}

func TestTokenRandomness(t *testing.T) {
	a := newAuth(t, testKey)
	now := time.Now()
	if x, y := mustToken(t, a, now, 1), mustToken(t, a, now, 1); x == y {
		t.Fatal("two tokens at the same time are equal")
	}
	if _, err := a.newToken(iotest.ErrReader(errors.New("no entropy")), now, 1, nil); err == nil {
		t.Fatal("token made without randomness")
	}
	if bytes.Equal(a.key, testKey) {
		t.Fatal("the auth key is the raw camouflage key, not derived")
	}
}

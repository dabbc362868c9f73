package stream

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

func TestTransferOverLossyLink(t *testing.T) {
	const size = 4 << 20
	for _, tc := range []struct {
		name          string
		loss, reorder float64
	}{
		{"clean", 0, 0},
		{"5% loss and reorder", 0.05, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := endpoints(t, newLink(42, tc.loss, tc.reorder))
			l, err := b.Listen(7)
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, size)
			rand.NewChaCha8([32]byte{1}).Read(data)
			want := sha256.Sum256(data)
			got := make(chan [32]byte, 1)
			go func() {
				c, err := l.Accept()
				if err != nil {
					got <- [32]byte{}
					return
				}
				defer c.Close()
				h := sha256.New()
				io.Copy(h, c)
				var sum [32]byte
				copy(sum[:], h.Sum(nil))
				c.Write([]byte("ok"))
				got <- sum
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c, err := a.Dial(ctx, b.self, 7)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.Copy(c, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if err := c.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if sum := <-got; sum != want {
				t.Fatalf("sha256 %x, want %x", sum, want)
			}
			ack, err := io.ReadAll(c)
			if err != nil || string(ack) != "ok" {
				t.Fatalf("ack %q %v", ack, err)
			}
			if c.RemoteAddr().(Addr) != (Addr{Node: b.self, Port: 7}) || c.LocalAddr().(Addr) != (Addr{Node: a.self, Port: 7}) {
				t.Fatalf("addrs %v %v", c.LocalAddr(), c.RemoteAddr())
			}
		})
	}
}

func TestDialRefusedPort(t *testing.T) {
	a, b := endpoints(t, newLink(1, 0, 0))
	c, err := a.Dial(context.Background(), b.self, 9)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("read on refused stream: %v", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("timed out instead of refused")
	}
}

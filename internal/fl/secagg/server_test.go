package secagg

import (
	"bytes"
	"slices"
	"testing"
)

func TestServerAdvertiseAndRoster(t *testing.T) {
	p := testParams(5, 10, 0)
	if _, err := NewServer(Params{}); err == nil {
		t.Fatal("NewServer accepted zero params")
	}
	s, err := NewServer(p)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewClient(p, 4, testRand(1))
	adv, _ := c.Advertise()
	mustErr(t, s.HandleAdvertise(&AdvertiseKeys{Round: p.Round + 1, From: 4, PublicKey: adv.PublicKey}), ErrRound)
	mustErr(t, s.HandleAdvertise(&AdvertiseKeys{Round: p.Round, From: 0, PublicKey: adv.PublicKey}), ErrUnknownClient)
	mustErr(t, s.HandleAdvertise(&AdvertiseKeys{Round: p.Round, From: 4, PublicKey: adv.PublicKey[:9]}), ErrMalformed)
	if err := s.HandleAdvertise(adv); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.HandleAdvertise(adv), ErrDuplicate)
	_, err = s.Roster(testRand(1))
	mustErr(t, err, ErrBelowThreshold)
	for id := ClientID(5); id < 9; id++ {
		c, _ := NewClient(p, id, testRand(uint64(id)))
		m, _ := c.Advertise()
		if err := s.HandleAdvertise(m); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.Roster(bytes.NewReader(nil))
	if err == nil {
		t.Fatal("roster without randomness succeeded")
	}
	if _, err := s.Roster(testRand(1)); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.HandleAdvertise(adv), ErrPhase)
	_, err = s.Roster(testRand(1))
	mustErr(t, err, ErrPhase)
	_, err = s.ShareDeliveries()
	mustErr(t, err, ErrPhase)
	_, err = s.UnmaskRequests()
	mustErr(t, err, ErrPhase)
	_, err = s.Finish()
	mustErr(t, err, ErrPhase)
}

func TestServerOverflowAndThreshold(t *testing.T) {
	// 2*Clip*Scale = 2^30: four clients overflow 2^32.
	p := Params{Round: 1, Dim: 4, Threshold: 3, Clip: 1, Scale: 1 << 29}
	s := prepareServer(t, p, 4)
	_, err := s.Roster(testRand(1))
	mustErr(t, err, ErrOverflow)
	// Threshold 2 of 4 holders is not a majority.
	p = Params{Round: 1, Dim: 4, Threshold: 2, Clip: 1, Scale: 10}
	s = prepareServer(t, p, 4)
	_, err = s.Roster(testRand(1))
	mustErr(t, err, ErrParams)
}

// prepareServer returns a server that got n advertisements.
func prepareServer(t *testing.T, p Params, n int) *Server {
	t.Helper()
	s, err := NewServer(p)
	if err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= n; id++ {
		c, err := NewClient(p, ClientID(id), testRand(uint64(id)))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := c.Advertise()
		if err := s.HandleAdvertise(m); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestServerRejectsBadMessages(t *testing.T) {
	p := testParams(5, 10, 0)
	t.Run("key ciphertexts", func(t *testing.T) {
		s := prepare(t, p, 5, stopRoster)
		m, err := s.clients[4].HandleRoster(s.roster)
		if err != nil {
			t.Fatal(err)
		}
		bad := *m
		bad.Ciphertexts = m.Ciphertexts[1:]
		mustErr(t, s.server.HandleKeyCiphertexts(&bad), ErrInconsistent)
		bad.Ciphertexts = slices.Clone(m.Ciphertexts)
		bad.Ciphertexts[0].Ciphertext = bad.Ciphertexts[0].Ciphertext[:3]
		mustErr(t, s.server.HandleKeyCiphertexts(&bad), ErrMalformed)
		bad = *m
		bad.From = 99
		mustErr(t, s.server.HandleKeyCiphertexts(&bad), ErrUnknownClient)
		if err := s.server.HandleKeyCiphertexts(m); err != nil {
			t.Fatal(err)
		}
		mustErr(t, s.server.HandleKeyCiphertexts(m), ErrDuplicate)
		_, err = s.server.KeyDeliveries()
		mustErr(t, err, ErrBelowThreshold)
	})
	t.Run("share keys", func(t *testing.T) {
		s := prepare(t, p, 5, stopKeyDelivery)
		m, err := s.clients[4].HandleKeyDelivery(s.kd[4])
		if err != nil {
			t.Fatal(err)
		}
		bad := *m
		bad.Shares = m.Shares[1:]
		mustErr(t, s.server.HandleShareKeys(&bad), ErrInconsistent)
		bad.Shares = slices.Clone(m.Shares)
		bad.Shares[0].Escrow = nil
		mustErr(t, s.server.HandleShareKeys(&bad), ErrMalformed)
		if err := s.server.HandleShareKeys(m); err != nil {
			t.Fatal(err)
		}
		mustErr(t, s.server.HandleShareKeys(m), ErrDuplicate)
		_, err = s.server.ShareDeliveries()
		mustErr(t, err, ErrBelowThreshold)
	})
	t.Run("masked input", func(t *testing.T) {
		s := prepare(t, p, 5, stopShareDelivery)
		m, err := s.clients[4].HandleShareDelivery(s.sd[4], s.inputs[4])
		if err != nil {
			t.Fatal(err)
		}
		mustErr(t, s.server.HandleMaskedInput(&MaskedInput{Round: p.Round, From: 4, Masked: m.Masked[1:]}), ErrInput)
		mustErr(t, s.server.HandleMaskedInput(&MaskedInput{Round: p.Round, From: 99, Masked: m.Masked}), ErrUnknownClient)
		if err := s.server.HandleMaskedInput(m); err != nil {
			t.Fatal(err)
		}
		mustErr(t, s.server.HandleMaskedInput(m), ErrDuplicate)
		_, err = s.server.UnmaskRequests()
		mustErr(t, err, ErrBelowThreshold)
	})
	t.Run("unmask response", func(t *testing.T) {
		s := prepare(t, p, 5, stopUnmask)
		m, err := s.clients[4].HandleUnmaskRequest(s.req[4])
		if err != nil {
			t.Fatal(err)
		}
		bad := *m
		bad.Shares = m.Shares[1:]
		mustErr(t, s.server.HandleUnmaskResponse(&bad), ErrInconsistent)
		bad.Shares = slices.Clone(m.Shares)
		bad.Shares[1].Kind = RecoveryShare
		mustErr(t, s.server.HandleUnmaskResponse(&bad), ErrInconsistent)
		bad.Shares = slices.Clone(m.Shares)
		bad.Shares[1].Share = [SecretSize]byte(bytes.Repeat([]byte{0xff}, SecretSize))
		mustErr(t, s.server.HandleUnmaskResponse(&bad), ErrMalformed)
		if err := s.server.HandleUnmaskResponse(m); err != nil {
			t.Fatal(err)
		}
		mustErr(t, s.server.HandleUnmaskResponse(m), ErrDuplicate)
		_, err = s.server.Finish()
		mustErr(t, err, ErrBelowThreshold)
	})
}

func TestServerRequestsAreDisjoint(t *testing.T) {
	p := testParams(10, 5, 0)
	r := newRound(t, p, 10, dropSome(10, 3, dropBeforeMask, 2), 8)
	if _, err := r.run(t); err != nil {
		t.Fatal(err)
	}
	for id, q := range r.server.req {
		for _, v := range q.Dropped {
			if _, both := slices.BinarySearch(q.Alive, v); both {
				t.Fatalf("request to %d names %d as alive and dropped", id, v)
			}
		}
		if len(q.Dropped) != 3 {
			t.Fatalf("request to %d: %d dropped, want 3", id, len(q.Dropped))
		}
	}
}

// TestFinishDetectsBadRecoveryShare: a corrupted recovery share gives a
// wrong recovery key, which the escrow's authentication catches.
func TestFinishDetectsBadRecoveryShare(t *testing.T) {
	p := testParams(5, 20, 0)
	s := prepare(t, p, 5, stopShareDelivery)
	for _, id := range s.ids[1:] {
		m, err := s.clients[id].HandleShareDelivery(s.sd[id], s.inputs[id])
		if err != nil {
			t.Fatal(err)
		}
		if err := s.server.HandleMaskedInput(m); err != nil {
			t.Fatal(err)
		}
	}
	reqs, err := s.server.UnmaskRequests()
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range reqs {
		m, err := s.clients[q.To].HandleUnmaskRequest(q)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			m.Shares[0].Share[0] ^= 1 // client 4 dropped: owner 4 is first
			if m.Shares[0].Owner != 4 || m.Shares[0].Kind != RecoveryShare {
				t.Fatalf("unexpected first share %+v", m.Shares[0])
			}
		}
		if err := s.server.HandleUnmaskResponse(m); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.server.Finish()
	mustErr(t, err, ErrAuth)
}

// TestFinishRetry: Finish below threshold leaves the server waiting for
// more responses, and succeeds once they arrive.
func TestFinishRetry(t *testing.T) {
	p := testParams(6, 20, 0)
	s := prepare(t, p, 6, stopUnmask)
	for i, id := range s.ids {
		m, err := s.clients[id].HandleUnmaskRequest(s.req[id])
		if err != nil {
			t.Fatal(err)
		}
		if err := s.server.HandleUnmaskResponse(m); err != nil {
			t.Fatal(err)
		}
		if i+1 < p.Threshold {
			_, err := s.server.Finish()
			mustErr(t, err, ErrBelowThreshold)
		}
	}
	res, err := s.server.Finish()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.plainSum(t)
	if !slices.Equal(res.Sum, want) {
		t.Fatal("sum differs")
	}
}

package secagg

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestNewClientErrors(t *testing.T) {
	p := testParams(5, 10, 0)
	if _, err := NewClient(p, 0, testRand(1)); !errors.Is(err, ErrParams) {
		t.Fatalf("ID 0: %v", err)
	}
	bad := p
	bad.Dim = 0
	if _, err := NewClient(bad, 1, testRand(1)); !errors.Is(err, ErrParams) {
		t.Fatalf("Dim 0: %v", err)
	}
	c, err := NewClient(p, 9, testRand(1))
	if err != nil || c.ID() != 9 {
		t.Fatalf("NewClient: %v", err)
	}
	if _, err := c.HandleRoster(&Roster{}); !errors.Is(err, ErrPhase) {
		t.Fatalf("roster before advertise: %v", err)
	}
	if _, err := NewClient(p, 9, bytes.NewReader(nil)); err != nil {
		t.Fatal(err)
	}
	c2, _ := NewClient(p, 9, bytes.NewReader(make([]byte, 10)))
	if _, err := c2.Advertise(); err == nil {
		t.Fatal("advertise with exhausted randomness succeeded")
	}
}

// clone returns a deep copy of a roster so that tests can damage it.
func cloneRoster(r *Roster) *Roster {
	c := *r
	c.Clients = slices.Clone(r.Clients)
	for i := range c.Clients {
		c.Clients[i].PublicKey = slices.Clone(c.Clients[i].PublicKey)
	}
	return &c
}

func TestClientRejectsBadRoster(t *testing.T) {
	p := testParams(5, 10, 0)
	for _, tc := range []struct {
		name   string
		damage func(r *Roster)
		want   error
	}{
		{"round", func(r *Roster) { r.Params.Round++ }, ErrRound},
		{"params", func(r *Roster) { r.Params.Scale *= 2 }, ErrParams},
		{"too few", func(r *Roster) { r.Clients = r.Clients[:2] }, ErrBelowThreshold},
		{"order", func(r *Roster) { r.Clients[1], r.Clients[2] = r.Clients[2], r.Clients[1] }, ErrMalformed},
		{"own key missing", func(r *Roster) { r.Clients = r.Clients[1:] }, ErrInconsistent},
		{"own key replaced", func(r *Roster) { r.Clients[0].PublicKey = r.Clients[1].PublicKey }, ErrInconsistent},
		{"peer key bad", func(r *Roster) { r.Clients[3].PublicKey = r.Clients[3].PublicKey[:10] }, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := prepare(t, p, 5, stopRoster)
			r := cloneRoster(s.roster)
			tc.damage(r)
			_, err := s.clients[4].HandleRoster(r)
			mustErr(t, err, tc.want)
		})
	}
}

func TestClientRejectsBadKeyDelivery(t *testing.T) {
	p := testParams(5, 10, 0)
	for _, tc := range []struct {
		name   string
		id     ClientID
		damage func(d *KeyDelivery)
		want   error
	}{
		{"round", 10, func(d *KeyDelivery) { d.Round++ }, ErrRound},
		{"recipient", 10, func(d *KeyDelivery) { d.To = 7 }, ErrInconsistent},
		{"stranger", 10, func(d *KeyDelivery) { d.Active = append(d.Active, 99) }, ErrUnknownClient},
		{"unsorted", 10, func(d *KeyDelivery) { d.Active[0], d.Active[1] = d.Active[1], d.Active[0] }, ErrMalformed},
		{"few", 10, func(d *KeyDelivery) { d.Active = d.Active[2:]; d.Ciphertexts = nil }, ErrBelowThreshold},
		{"missing ct", 10, func(d *KeyDelivery) { d.Ciphertexts = d.Ciphertexts[1:] }, ErrInconsistent},
		{"short ct", 10, func(d *KeyDelivery) { d.Ciphertexts[0].Ciphertext = d.Ciphertexts[0].Ciphertext[:5] }, ErrMalformed},
		{"low-order x25519", 10, func(d *KeyDelivery) { clear(d.Ciphertexts[0].Ciphertext[:32]) }, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := prepare(t, p, 5, stopKeyDelivery)
			d := s.kd[tc.id]
			d.Active = slices.Clone(d.Active)
			d.Ciphertexts = slices.Clone(d.Ciphertexts)
			tc.damage(d)
			_, err := s.clients[tc.id].HandleKeyDelivery(d)
			mustErr(t, err, tc.want)
		})
	}
}

func TestClientRejectsForgedShares(t *testing.T) {
	p := testParams(5, 10, 0)
	for _, tc := range []struct {
		name   string
		damage func(s *staged, d *ShareDelivery)
		want   error
	}{
		{"bit flip", func(_ *staged, d *ShareDelivery) { d.Shares[1].Ciphertext[3] ^= 1 }, ErrAuth},
		{"tag flip", func(_ *staged, d *ShareDelivery) { d.Shares[0].Ciphertext[ShareCiphertextSize-1] ^= 1 }, ErrAuth},
		{"swapped senders", func(_ *staged, d *ShareDelivery) {
			d.Shares[0].Ciphertext, d.Shares[1].Ciphertext = d.Shares[1].Ciphertext, d.Shares[0].Ciphertext
		}, ErrAuth},
		{"misrouted", func(s *staged, d *ShareDelivery) {
			// The share client 4 made for client 7, delivered to 10 as if 4 made it for 10.
			e, _ := s.server.outgoing(4, 7)
			d.Shares[0].Ciphertext = e.Ciphertext
		}, ErrAuth},
		{"short", func(_ *staged, d *ShareDelivery) { d.Shares[0].Ciphertext = d.Shares[0].Ciphertext[:9] }, ErrMalformed},
		{"stranger", func(_ *staged, d *ShareDelivery) { d.Shares = append(d.Shares, PeerCiphertext{Peer: 99}) }, ErrUnknownClient},
		{"few", func(_ *staged, d *ShareDelivery) { d.Shares = d.Shares[:1] }, ErrBelowThreshold},
		{"round", func(_ *staged, d *ShareDelivery) { d.Round = 0 }, ErrRound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := prepare(t, p, 5, stopShareDelivery)
			d := s.sd[10]
			d.Shares = slices.Clone(d.Shares)
			for i := range d.Shares {
				d.Shares[i].Ciphertext = slices.Clone(d.Shares[i].Ciphertext)
			}
			tc.damage(s, d)
			_, err := s.clients[10].HandleShareDelivery(d, s.inputs[10])
			mustErr(t, err, tc.want)
		})
	}
	t.Run("forged KEM ciphertext", func(t *testing.T) {
		// Flipping an ML-KEM ciphertext bit makes client 10 derive an
		// unrelated pair key (implicit rejection); client 4's shares then
		// fail authentication at client 10.
		s := prepare(t, p, 5, stopKeyDelivery)
		d := s.kd[10]
		d.Ciphertexts[0].Ciphertext = slices.Clone(d.Ciphertexts[0].Ciphertext)
		d.Ciphertexts[0].Ciphertext[100] ^= 1
		for _, id := range s.ids {
			m, err := s.clients[id].HandleKeyDelivery(s.kd[id])
			if err != nil {
				t.Fatal(err)
			}
			if err := s.server.HandleShareKeys(m); err != nil {
				t.Fatal(err)
			}
		}
		sd, err := s.server.ShareDeliveries()
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.clients[10].HandleShareDelivery(sd[2], s.inputs[10])
		mustErr(t, err, ErrAuth)
	})
	t.Run("bad input", func(t *testing.T) {
		s := prepare(t, p, 5, stopShareDelivery)
		_, err := s.clients[10].HandleShareDelivery(s.sd[10], make([]float64, 3))
		mustErr(t, err, ErrInput)
		x := make([]float64, p.Dim)
		x[4] = nan()
		_, err = s.clients[10].HandleShareDelivery(s.sd[10], x)
		mustErr(t, err, ErrInput)
	})
}

func TestClientRejectsBadUnmaskRequest(t *testing.T) {
	p := testParams(5, 10, 0)
	for _, tc := range []struct {
		name   string
		damage func(r *UnmaskRequest)
		want   error
	}{
		{"round", func(r *UnmaskRequest) { r.Round++ }, ErrRound},
		{"recipient", func(r *UnmaskRequest) { r.To = 4 }, ErrInconsistent},
		{"self dropped", func(r *UnmaskRequest) {
			r.Alive = slices.DeleteFunc(r.Alive, func(id ClientID) bool { return id == 10 })
			r.Dropped = []ClientID{10}
		}, ErrInconsistent},
		{"self missing", func(r *UnmaskRequest) {
			r.Alive = slices.DeleteFunc(r.Alive, func(id ClientID) bool { return id == 10 })
		}, ErrInconsistent},
		{"stranger", func(r *UnmaskRequest) { r.Dropped = []ClientID{99} }, ErrUnknownClient},
		{"unsorted", func(r *UnmaskRequest) { r.Alive[0], r.Alive[1] = r.Alive[1], r.Alive[0] }, ErrMalformed},
		{"few alive", func(r *UnmaskRequest) { r.Dropped = slices.Clone(r.Alive[3:]); r.Alive = r.Alive[:3] }, ErrBelowThreshold},
		{"both", func(r *UnmaskRequest) { r.Dropped = []ClientID{4} }, ErrDoubleReveal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := prepare(t, p, 5, stopUnmask)
			r := s.req[10]
			r.Alive = slices.Clone(r.Alive)
			tc.damage(r)
			_, err := s.clients[10].HandleUnmaskRequest(r)
			mustErr(t, err, tc.want)
		})
	}
	t.Run("repeat", func(t *testing.T) {
		s := prepare(t, p, 5, stopUnmask)
		a, err := s.clients[10].HandleUnmaskRequest(s.req[10])
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.clients[10].HandleUnmaskRequest(s.req[10])
		if err != nil {
			t.Fatalf("identical repeated request refused: %v", err)
		}
		if !slices.Equal(a.Shares, b.Shares) {
			t.Fatal("repeated request answered differently")
		}
	})
	t.Run("phase", func(t *testing.T) {
		s := prepare(t, p, 5, stopShareDelivery)
		_, err := s.clients[10].HandleUnmaskRequest(&UnmaskRequest{})
		mustErr(t, err, ErrPhase)
		_, err = s.clients[10].Advertise()
		mustErr(t, err, ErrPhase)
		_, err = s.clients[10].HandleKeyDelivery(&KeyDelivery{})
		mustErr(t, err, ErrPhase)
	})
}

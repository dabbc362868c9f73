package secagg

// Points at which prepare stops: the server's messages for the named step
// exist but the clients have not handled them (or, for stopFinish, the
// server has every response but Finish was not called).
const (
	stopRoster = iota + 1
	stopKeyDelivery
	stopShareDelivery
	stopUnmask
	stopFinish
)

// staged is a round of n honest clients run up to a stop point, with every
// message recorded by client.
type staged struct {
	*round
	roster *Roster
	kct    map[ClientID]*KeyCiphertexts
	kd     map[ClientID]*KeyDelivery
	sk     map[ClientID]*ShareKeys
	sd     map[ClientID]*ShareDelivery
	mi     map[ClientID]*MaskedInput
	req    map[ClientID]*UnmaskRequest
	resp   map[ClientID]*UnmaskResponse
}

// prepare runs a round of n clients (IDs 4, 7, 10, ...) up to stop.
func prepare(tb failer, p Params, n, stop int) *staged {
	tb.Helper()
	s := &staged{round: newRound(tb, p, n, nil, 77),
		kct: map[ClientID]*KeyCiphertexts{}, kd: map[ClientID]*KeyDelivery{},
		sk: map[ClientID]*ShareKeys{}, sd: map[ClientID]*ShareDelivery{},
		mi: map[ClientID]*MaskedInput{}, req: map[ClientID]*UnmaskRequest{},
		resp: map[ClientID]*UnmaskResponse{}}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	for _, id := range s.ids {
		m, err := s.clients[id].Advertise()
		must(err)
		must(s.server.HandleAdvertise(m))
	}
	var err error
	s.roster, err = s.server.Roster(testRand(3))
	must(err)
	if stop == stopRoster {
		return s
	}
	for _, id := range s.ids {
		s.kct[id], err = s.clients[id].HandleRoster(s.roster)
		must(err)
		must(s.server.HandleKeyCiphertexts(s.kct[id]))
	}
	kd, err := s.server.KeyDeliveries()
	must(err)
	for _, d := range kd {
		s.kd[d.To] = d
	}
	if stop == stopKeyDelivery {
		return s
	}
	for _, id := range s.ids {
		s.sk[id], err = s.clients[id].HandleKeyDelivery(s.kd[id])
		must(err)
		must(s.server.HandleShareKeys(s.sk[id]))
	}
	sd, err := s.server.ShareDeliveries()
	must(err)
	for _, d := range sd {
		s.sd[d.To] = d
	}
	if stop == stopShareDelivery {
		return s
	}
	for _, id := range s.ids {
		s.mi[id], err = s.clients[id].HandleShareDelivery(s.sd[id], s.inputs[id])
		must(err)
		must(s.server.HandleMaskedInput(s.mi[id]))
	}
	reqs, err := s.server.UnmaskRequests()
	must(err)
	for _, q := range reqs {
		s.req[q.To] = q
	}
	if stop == stopUnmask {
		return s
	}
	for _, id := range s.ids {
		s.resp[id], err = s.clients[id].HandleUnmaskRequest(s.req[id])
		must(err)
		must(s.server.HandleUnmaskResponse(s.resp[id]))
	}
	return s
}

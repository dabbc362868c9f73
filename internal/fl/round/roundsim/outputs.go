package roundsim

import (
	"errors"
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// outputs carries out a node's non-message outputs: training requests,
// and events recorded in the report.
func (s *Sim) outputs(n *node, outs []round.Output) error {
	for _, o := range outs {
		switch o := o.(type) {
		case round.Train:
			if err := s.train(n, o); err != nil {
				return err
			}
			continue
		case round.RoundStarted:
			f := 0
			for _, id := range o.Selected {
				if s.byz[id] {
					f++
				}
			}
			k := roundKey{o.Epoch, o.Round}
			st := s.rounds[k]
			if st == nil {
				st = &RoundStats{Epoch: o.Epoch, Round: o.Round}
				s.rounds[k] = st
			}
			st.Selected, st.Byzantine, st.Start = len(o.Selected), f, s.now.Sub(s.start)
			s.rep.Rounds = append(s.rep.Rounds, st)
		case round.RoundClosed:
			if st := s.rounds[roundKey{o.Epoch, o.Round}]; st != nil {
				st.Replied, st.End = len(o.Replied), s.now.Sub(s.start)
			}
		case round.RoundAborted:
			if st := s.rounds[roundKey{o.Epoch, o.Round}]; st != nil {
				st.Aborted, st.Replied, st.End = true, o.Replied, s.now.Sub(s.start)
			}
		case round.ModelReady:
			s.rep.Completed++
			s.rep.Final = o.Model
			if st := s.findRound(o.Model.Round); st != nil {
				st.Epsilon = o.Model.Epsilon
			}
			if s.opt.OnModel != nil {
				s.opt.OnModel(o.Model)
			}
		case round.MessageRefused:
			if st := s.rounds[roundKey{o.Epoch, o.Round}]; st != nil && isLate(o.Err) {
				st.Late++
			}
		case round.ClientExcluded:
			s.rep.Excluded = append(s.rep.Excluded, Exclusion{Client: o.Client, Err: o.Err})
		case round.TookOver:
			s.rep.Failovers++
		case round.Finished:
			s.done = true
			s.rep.Err = o.Err
		}
		s.logf(n, "%s", describe(o))
	}
	return nil
}

// findRound returns the stats of the last round numbered r.
func (s *Sim) findRound(r uint64) *RoundStats {
	for i := len(s.rep.Rounds) - 1; i >= 0; i-- {
		if s.rep.Rounds[i].Round == r {
			return s.rep.Rounds[i]
		}
	}
	return nil
}

// train runs a client's local training now and schedules its result after
// the virtual training time. A Byzantine client then corrupts its delta.
func (s *Sim) train(n *node, t round.Train) error {
	k := roundKey{t.Epoch, t.Round}
	d := s.opt.TrainTime
	if s.opt.StragglerRate > 0 && s.rng.Float64() < s.opt.StragglerRate {
		d = time.Duration(float64(d) * s.opt.StragglerFactor)
		s.logf(n, "straggles in round %d", t.Round)
	}
	e := &event{at: s.now.Add(d), kind: evTrained, to: n, res: round.TrainResult{Epoch: t.Epoch, Round: t.Round}}
	if s.opt.DropoutRate > 0 && s.rng.Float64() < s.opt.DropoutRate {
		e.drop = true
		s.schedule(e)
		return nil
	}
	rng := s.trainRNG(n, k)
	params, err := n.spec.Train(s.ctx, t.Params, t.LocalEpochs, rng)
	if err := s.ctx.Err(); err != nil {
		return err
	}
	e.res.Params, e.res.Err = params, err
	if err == nil && n.spec.Byzantine && s.opt.Attack != AttackNone {
		delta := make([]float64, len(params))
		for j := range delta {
			delta[j] = params[j] - t.Params[j]
		}
		if s.opt.Attack == AttackALIE {
			s.pool[k] = append(s.pool[k], delta)
			e.alie = &alieJob{key: k, global: t.Params}
		} else {
			corrupt(s.opt.Attack, delta, rng)
			for j := range params {
				params[j] = t.Params[j] + delta[j]
			}
		}
	}
	s.schedule(e)
	return nil
}

// trained hands a training result to its client, unless the client drops
// out of the round at this point.
func (s *Sim) trained(n *node, e *event) ([]round.Output, error) {
	if e.drop {
		n.dropped, n.drops = roundKey{e.res.Epoch, e.res.Round}, true
		s.logf(n, "drops out of round %d", e.res.Round)
		return nil, nil
	}
	if j := e.alie; j != nil {
		f, sel := len(s.pool[j.key]), f0(s.rounds[j.key])
		v := alie(s.pool[j.key], alieZ(max(sel, f), f))
		for i := range v {
			v[i] += j.global[i]
		}
		e.res.Params = v
	}
	return n.ep.Dispatch(n.client.Trained(s.now, e.res))
}

// f0 returns the number of selected clients of a round, 0 if unknown.
func f0(st *RoundStats) int {
	if st == nil {
		return 0
	}
	return st.Selected
}

// logf appends a line to the run's log.
func (s *Sim) logf(n *node, format string, args ...any) {
	s.rep.Log = append(s.rep.Log, fmt.Sprintf("%10.3fs %-8s %s", s.now.Sub(s.start).Seconds(), n.name, fmt.Sprintf(format, args...)))
}

// describe summarises an output for the log, without vectors or key
// material.
func describe(o round.Output) string {
	switch o := o.(type) {
	case round.RoundStarted:
		return fmt.Sprintf("RoundStarted epoch=%d round=%d selected=%d secure=%v private=%v", o.Epoch, o.Round, len(o.Selected), o.Secure, o.Private)
	case round.RoundClosed:
		return fmt.Sprintf("RoundClosed epoch=%d round=%d replied=%d missing=%d", o.Epoch, o.Round, len(o.Replied), len(o.Missing))
	case round.RoundAborted:
		return fmt.Sprintf("RoundAborted epoch=%d round=%d replied=%d: %v", o.Epoch, o.Round, o.Replied, o.Err)
	case round.ModelReady:
		return fmt.Sprintf("ModelReady round=%d parent=%d strategy=%s participants=%d epsilon=%.4g",
			o.Model.Round, o.Model.Parent, o.Model.Strategy, len(o.Model.Participants), o.Model.Epsilon)
	case round.ClientExcluded:
		return fmt.Sprintf("ClientExcluded %s: %v", short(o.Client), o.Err)
	case round.MessageRefused:
		return fmt.Sprintf("MessageRefused from=%s epoch=%d round=%d: %v", short(o.From), o.Epoch, o.Round, o.Err)
	case round.Refused:
		return fmt.Sprintf("Refused by=%s epoch=%d round=%d: %v", short(o.By), o.Epoch, o.Round, o.Err)
	case round.TookOver:
		return fmt.Sprintf("TookOver epoch=%d from model round %d", o.Epoch, o.Model)
	case round.SteppedDown:
		return fmt.Sprintf("SteppedDown epoch=%d", o.Epoch)
	case round.CoordinatorChanged:
		return fmt.Sprintf("CoordinatorChanged epoch=%d coordinator=%s", o.Epoch, short(o.Coordinator))
	case round.Finished:
		return fmt.Sprintf("Finished completed=%d err=%v", o.Completed, o.Err)
	case round.RoundFailed:
		return fmt.Sprintf("RoundFailed epoch=%d round=%d: %v", o.Epoch, o.Round, o.Err)
	case round.BudgetExhausted:
		return fmt.Sprintf("BudgetExhausted epsilon=%.4g", o.Epsilon)
	}
	return fmt.Sprintf("%T", o)
}

// short returns the first 4 bytes of an ID in hex.
func short(id round.NodeID) string { return fmt.Sprintf("%x", id[:4]) }

// isLate reports a refusal of a late update.
func isLate(err error) bool { return errors.Is(err, round.ErrLate) }

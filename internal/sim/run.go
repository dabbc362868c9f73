package sim

import (
	"io"
	"time"
)

// Run runs the standard scenario of opts: every node starts at once; once
// every node has a route to every other, datagrams are sent between random
// pairs of distinct nodes at opts.TrafficRate until TrafficDrain before the
// end; the run lasts opts.Duration of virtual time. log, if not nil,
// receives the event log. The Report carries the log's SHA-256.
func Run(opts Options, log io.Writer) (Report, error) {
	wall := time.Now()
	s, err := New(opts, log)
	if err != nil {
		return Report{}, err
	}
	end := s.start.Add(opts.Duration)
	var r Report
	var lastOptimal time.Time
	for s.now.Before(end) {
		s.runUntil(minTime(end, s.now.Add(CheckInterval)))
		if !r.Converged && s.RoutesComplete() {
			r.Converged, r.ConvergenceTime = true, s.Now()
			s.logf(-1, "converged")
			s.startTraffic(end.Add(-TrafficDrain))
		}
		if r.Converged && !r.Optimal && (lastOptimal.IsZero() || s.now.Sub(lastOptimal) >= OptimalCheckInterval) {
			lastOptimal = s.now
			if s.RoutesOptimal() {
				r.Optimal, r.OptimalTime = true, s.Now()
				s.logf(-1, "optimal")
			}
		}
	}
	s.logf(-1, "end")
	rep := s.Report()
	rep.Converged, rep.ConvergenceTime, rep.Optimal, rep.OptimalTime = r.Converged, r.ConvergenceTime, r.Optimal, r.OptimalTime
	rep.WallTime = time.Since(wall)
	return rep, s.LogErr()
}

// startTraffic sends datagrams between random pairs at the configured rate
// until stop.
func (s *Sim) startTraffic(stop time.Time) {
	if s.opts.TrafficRate == 0 {
		return
	}
	interval := time.Duration(float64(time.Second) / s.opts.TrafficRate)
	var tick func()
	tick = func() {
		if !s.now.Before(stop) {
			return
		}
		src, dst := s.traffic.IntN(len(s.nodes)), s.traffic.IntN(len(s.nodes)-1)
		if dst >= src {
			dst++
		}
		if s.nodes[src].core != nil {
			_ = s.Send(src, dst, s.opts.DatagramSize) // a refused send is counted
		}
		s.at(s.now.Add(interval), tick)
	}
	s.at(s.now, tick)
}

package meshdetect

import (
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// RuleClassOf maps a MAPE-K rule symptom to the fault class it points at, the rule-based
// detector this package is compared with:
//
//	misbehaving-relay about a neighbour   blackhole if its confirmed ratio ≤ BlackholeRatio, else grayhole
//	flapping-link about a neighbour       flapping
//	dead-link about a neighbour           identity-churn (the only class whose identity dies)
//	node-overloaded (node-wide)           overloaded
//	handshake-flood, forged-traffic       flood-source (node-wide: the rules cannot tell the
//	                                      source from the target, so the node raising it is named)
//	anything else                         normal (degraded-link, transport-blocked, partition)
func RuleClassOf(s *mapek.Symptom) Class {
	switch s.Kind {
	case mapek.SymptomMisbehavingRelay:
		if r, ok := s.Evidence["confirmed_ratio"]; ok && r <= mapek.BlackholeRatio {
			return Blackhole
		}
		return Grayhole
	case mapek.SymptomFlappingLink:
		return Flapping
	case mapek.SymptomDeadLink:
		return IdentityChurn
	case mapek.SymptomOverload:
		return Overloaded
	case mapek.SymptomHandshakeFlood, mapek.SymptomForgedTraffic:
		return FloodSource
	}
	return Normal
}

// rulePriority orders classes when several rules point at one node: the most specific evidence
// first.
var rulePriority = [...]Class{Blackhole, Grayhole, FloodSource, IdentityChurn, Flapping, Overloaded}

// ruleSet is what one node's rules say, about itself and about each neighbour entry.
type ruleSet struct {
	self []Class
	link map[identity.NodeID][]Class
}

func ruleClasses(syms []mapek.Symptom) ruleSet {
	rs := ruleSet{link: make(map[identity.NodeID][]Class)}
	for i := range syms {
		c := RuleClassOf(&syms[i])
		if c == Normal {
			continue
		}
		if syms[i].Subject == mapek.LocalNode() {
			rs.self = append(rs.self, c)
		} else {
			rs.link[syms[i].Subject] = append(rs.link[syms[i].Subject], c)
		}
	}
	return rs
}

// about returns the rules' class for a neighbour entry.
func (rs ruleSet) about(id identity.NodeID) Class { return pick(rs.link[id]) }

// pick returns the class named most often in votes, ties broken by rulePriority; Normal when
// votes is empty.
func pick(votes []Class) Class {
	var n [NumClasses]int
	for _, c := range votes {
		n[c]++
	}
	best := Normal
	for _, c := range rulePriority {
		if n[c] > n[best] || (best == Normal && n[c] > 0) {
			best = c
		}
	}
	return best
}

// MeshRuleVerdict is the rule-based detector's verdict about node v in frame f: every class the
// rules of v's neighbours raised about any identity of v (earlier identities of a churning node
// included) and every node-wide class v's own rules raised, one vote each (pick).
func MeshRuleVerdict(f *Frame, v int) Class {
	var votes []Class
	votes = append(votes, f.Nodes[v].Rules...)
	for u := range f.Nodes {
		for _, e := range f.Nodes[u].Out {
			if e.Peer == v && u != v && e.Rule != Normal {
				votes = append(votes, e.Rule)
			}
		}
	}
	return pick(votes)
}

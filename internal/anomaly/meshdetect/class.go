package meshdetect

import (
	"fmt"
	"strings"
)

// Class is what is wrong with a node, as the simulator injected it.
type Class uint8

// Classes, in the order of the model's outputs.
const (
	// Normal: no fault injected on the node (it may still suffer from faulty neighbours).
	Normal Class = iota
	// Blackhole: the node drops every transit data packet it should forward.
	Blackhole
	// Grayhole: the node drops a fraction (GrayholeMin..GrayholeMax) of transit data packets.
	Grayhole
	// Overloaded: the node's runtime reports high CPU and memory and queue drops, and it loses a
	// small fraction of what it forwards.
	Overloaded
	// Flapping: every link of the node goes down and up periodically.
	Flapping
	// IdentityChurn: the node restarts periodically under a new identity (Sybil-like).
	IdentityChurn
	// FloodSource: the node sends junk handshake messages to a neighbour at a high rate.
	FloodSource

	// NumClasses is the number of classes.
	NumClasses Class = iota
)

var classNames = [NumClasses]string{"normal", "blackhole", "grayhole", "overloaded", "flapping", "identity-churn", "flood-source"}

// String returns the class name used in tables and JSON.
func (c Class) String() string {
	if c < NumClasses {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// ParseClass returns the class named s.
func ParseClass(s string) (Class, error) {
	for c, n := range classNames {
		if n == s {
			return Class(c), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown class %q (want one of %s)", ErrInvalidSpec, s, strings.Join(classNames[:], ", "))
}

// Classes returns every class in output order.
func Classes() []Class {
	out := make([]Class, NumClasses)
	for i := range out {
		out[i] = Class(i)
	}
	return out
}

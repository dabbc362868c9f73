package secagg

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/cloudflare/circl/math/fp25519"
)

// Shamir secret sharing over GF(2^255-19), with constant-time field
// arithmetic from circl's fp25519. A secret is one canonical field element
// (32 bytes, about 255 bits of entropy) and so is every share; a client's
// ClientID is its evaluation point. See docs/secagg.md for why this field
// was chosen over GF(2^8).

// elt is a field element in canonical little-endian form.
type elt = fp25519.Elt

// canonical reports whether b encodes a field element below p.
func canonical(b *elt) bool {
	r := *b
	fp25519.Modp(&r)
	return r == *b
}

// randomElt draws a uniform field element by rejection: 255 random bits
// are below p except with probability 19/2^255.
func randomElt(rand io.Reader) (elt, error) {
	for {
		var e elt
		if _, err := io.ReadFull(rand, e[:]); err != nil {
			return elt{}, fmt.Errorf("secagg: reading randomness: %w", err)
		}
		e[SecretSize-1] &= 0x7f
		if canonical(&e) {
			return e, nil
		}
	}
}

// idElt returns id as a field element.
func idElt(id ClientID) elt {
	var e elt
	binary.LittleEndian.PutUint32(e[:], uint32(id))
	return e
}

// polynomial is f(x) = c[0] + c[1]x + ... + c[t-1]x^(t-1), c[0] the secret.
type polynomial []elt

// newPolynomial returns a random polynomial of degree t-1 whose constant
// term is secret.
func newPolynomial(rand io.Reader, secret elt, t int) (polynomial, error) {
	f := make(polynomial, t)
	f[0] = secret
	for i := 1; i < t; i++ {
		c, err := randomElt(rand)
		if err != nil {
			return nil, err
		}
		f[i] = c
	}
	return f, nil
}

// eval returns f(id) in canonical form, by Horner's rule.
func (f polynomial) eval(id ClientID) elt {
	x := idElt(id)
	y := f[len(f)-1]
	for i := len(f) - 2; i >= 0; i-- {
		fp25519.Mul(&y, &y, &x)
		fp25519.Add(&y, &y, &f[i])
	}
	fp25519.Modp(&y)
	return y
}

// wipe overwrites the coefficients.
func (f polynomial) wipe() { clear(f) }

// lagrangeAtZero returns the coefficients l_i with f(0) = sum l_i f(x_i)
// for any polynomial of degree below len(xs). The xs must be distinct and
// nonzero, which ClientIDs in a roster are.
func lagrangeAtZero(xs []ClientID) []elt {
	l := make([]elt, len(xs))
	for i, xi := range xs {
		ei := idElt(xi)
		var num, den elt
		fp25519.SetOne(&num)
		fp25519.SetOne(&den)
		for j, xj := range xs {
			if j == i {
				continue
			}
			ej := idElt(xj)
			var d elt
			fp25519.Sub(&d, &ej, &ei)
			fp25519.Mul(&num, &num, &ej)
			fp25519.Mul(&den, &den, &d)
		}
		fp25519.Inv(&den, &den)
		fp25519.Mul(&l[i], &num, &den)
	}
	return l
}

// interpolate returns sum l_i y_i in canonical form.
func interpolate(l, ys []elt) elt {
	var acc, t elt
	for i := range l {
		fp25519.Mul(&t, &l[i], &ys[i])
		fp25519.Add(&acc, &acc, &t)
	}
	fp25519.Modp(&acc)
	return acc
}

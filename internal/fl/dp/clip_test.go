package dp

import (
	"errors"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestL2Norm(t *testing.T) {
	tests := []struct {
		name string
		v    []float64
		want float64
	}{
		{"empty", nil, 0},
		{"zero", []float64{0, 0}, 0},
		{"3-4-5", []float64{3, -4}, 5},
		{"huge", []float64{3e200, 4e200}, 5e200},
		{"tiny", []float64{3e-200, -4e-200}, 5e-200},
		{"subnormal", []float64{3e-320, 4e-320}, 5e-320},
		{"near max", []float64{math.MaxFloat64 / 2, math.MaxFloat64 / 2}, math.MaxFloat64 / 2 * math.Sqrt2},
		{"inf", []float64{1, math.Inf(-1)}, math.Inf(1)},
		{"inf and huge", []float64{1e300, math.Inf(1)}, math.Inf(1)},
	}
	for _, tc := range tests {
		got := L2Norm(tc.v)
		if !(got == tc.want || relErr(got, tc.want) < 1e-15) {
			t.Errorf("%s: L2Norm = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !math.IsNaN(L2Norm([]float64{1e300, math.NaN()})) || !math.IsNaN(L2Norm([]float64{math.NaN()})) {
		t.Error("NaN not propagated")
	}
}

func TestClipKnown(t *testing.T) {
	v := []float64{3, 4}
	norm, err := Clip(v, 1)
	if err != nil || norm != 5 {
		t.Fatalf("Clip = %v, %v", norm, err)
	}
	if L2Norm(v) > 1 || relErr(v[0], 0.6) > 1e-15 || relErr(v[1], 0.8) > 1e-15 {
		t.Fatalf("clipped to %v", v)
	}
	w := []float64{0.3, 0.4}
	if norm, err := Clip(w, 1); err != nil || norm != 0.5 || w[0] != 0.3 || w[1] != 0.4 {
		t.Fatalf("within bound: %v, %v, %v", w, norm, err)
	}
	for _, c := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := Clip([]float64{1}, c); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("c = %v: got %v", c, err)
		}
	}
	for _, bad := range [][]float64{{math.NaN()}, {1, math.Inf(1)}} {
		if _, err := Clip(bad, 1); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("%v: got %v", bad, err)
		}
	}
}

// TestClipProperty checks that after Clip the computed norm never exceeds
// the bound, that the direction is kept, and that vectors within the bound
// are untouched.
func TestClipProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		exp := rapid.IntRange(-150, 150).Draw(t, "exponent")
		scale := math.Pow(10, float64(exp))
		v := rapid.SliceOfN(rapid.Float64Range(-1, 1), 0, 300).Draw(t, "v")
		for j := range v {
			v[j] *= scale
		}
		c := rapid.Float64Range(1e-3, 1e3).Draw(t, "c") * math.Pow(10, float64(rapid.IntRange(-150, 150).Draw(t, "c exponent")))
		orig := slices.Clone(v)
		norm, err := Clip(v, c)
		if err != nil {
			t.Fatal(err)
		}
		if norm != L2Norm(orig) {
			t.Fatalf("returned norm %v, norm of input %v", norm, L2Norm(orig))
		}
		if after := L2Norm(v); after > c {
			t.Fatalf("norm after clipping %v > %v", after, c)
		}
		if norm <= c {
			if !slices.Equal(v, orig) {
				t.Fatal("vector within the bound was changed")
			}
			return
		}
		if after := L2Norm(v); relErr(after, c) > 1e-9 {
			t.Fatalf("clipped norm %v, want about %v", after, c)
		}
		// v is a positive multiple of orig.
		f := c / norm
		for j := range v {
			if math.Abs(v[j]-f*orig[j]) > 1e-9*math.Abs(f*orig[j])+1e-300 {
				t.Fatalf("index %d: %v, want %v * %v", j, v[j], f, orig[j])
			}
		}
	})
}

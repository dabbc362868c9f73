package timing

import "math"

// Welch accumulates samples of two classes and computes Welch's t statistic. Means and
// variances are updated online with Welford's method, so the samples are not kept. The zero
// value is ready to use.
type Welch struct {
	n, mean, m2 [2]float64
}

// Push adds sample x to class (0 or 1; any other value is taken as 1).
func (w *Welch) Push(class int, x float64) {
	c := 0
	if class != 0 {
		c = 1
	}
	w.n[c]++
	d := x - w.mean[c]
	w.mean[c] += d / w.n[c]
	w.m2[c] += d * (x - w.mean[c])
}

// N returns the number of samples of class (0 or 1).
func (w *Welch) N(class int) int {
	if class != 0 {
		return int(w.n[1])
	}
	return int(w.n[0])
}

// Mean returns the mean of class (0 or 1), or 0 for an empty class.
func (w *Welch) Mean(class int) float64 {
	if class != 0 {
		return w.mean[1]
	}
	return w.mean[0]
}

// T returns Welch's t = (mean0 - mean1) / sqrt(var0/n0 + var1/n1), with the unbiased sample
// variances. It is 0 while a class has fewer than two samples, and ±Inf when both variances are
// zero but the means differ.
func (w *Welch) T() float64 {
	if w.n[0] < 2 || w.n[1] < 2 {
		return 0
	}
	num := w.mean[0] - w.mean[1]
	den := math.Sqrt(w.m2[0]/(w.n[0]-1)/w.n[0] + w.m2[1]/(w.n[1]-1)/w.n[1])
	if den == 0 {
		if num == 0 {
			return 0
		}
		return math.Copysign(math.Inf(1), num)
	}
	return num / den
}

package meshdetect

import (
	"fmt"
	"io"
	"strings"
)

// ClassScore is the precision, recall and F1 of one class.
type ClassScore struct {
	// Class is the class name.
	Class string `json:"class"`
	// Precision, Recall and F1 are in [0, 1]; 0 when undefined (no prediction or no support).
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// Support is the number of samples of the class.
	Support int `json:"support"`
}

// Metrics are the scores of one detector on one set of samples.
type Metrics struct {
	// N is the number of samples.
	N int `json:"n"`
	// Accuracy is the fraction classified correctly.
	Accuracy float64 `json:"accuracy"`
	// MacroF1 is the unweighted mean of the per-class F1 over the classes with support.
	MacroF1 float64 `json:"macro_f1"`
	// PerClass holds one score per class, in class order.
	PerClass []ClassScore `json:"per_class"`
	// Confusion[t][p] counts samples of true class t predicted as p.
	Confusion [NumClasses][NumClasses]int `json:"confusion"`
}

// NewMetrics scores predictions against the truth (equal lengths; a shorter pred is an error).
func NewMetrics(truth, pred []Class) (Metrics, error) {
	if len(truth) != len(pred) {
		return Metrics{}, fmt.Errorf("%w: %d predictions for %d samples", ErrInvalidSpec, len(pred), len(truth))
	}
	var m Metrics
	m.N = len(truth)
	correct := 0
	for i, t := range truth {
		if t >= NumClasses || pred[i] >= NumClasses {
			return Metrics{}, fmt.Errorf("%w: class out of range at sample %d", ErrInvalidSpec, i)
		}
		m.Confusion[t][pred[i]]++
		if t == pred[i] {
			correct++
		}
	}
	if m.N > 0 {
		m.Accuracy = float64(correct) / float64(m.N)
	}
	withSupport := 0
	for c := range NumClasses {
		s := ClassScore{Class: c.String()}
		tp, predicted := m.Confusion[c][c], 0
		for t := range NumClasses {
			predicted += m.Confusion[t][c]
			s.Support += m.Confusion[c][t]
		}
		if predicted > 0 {
			s.Precision = float64(tp) / float64(predicted)
		}
		if s.Support > 0 {
			s.Recall = float64(tp) / float64(s.Support)
			withSupport++
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		if s.Support > 0 {
			m.MacroF1 += s.F1
		}
		m.PerClass = append(m.PerClass, s)
	}
	if withSupport > 0 {
		m.MacroF1 /= float64(withSupport)
	}
	return m, nil
}

// WriteTable writes a markdown table comparing the model's and the rules' per-class precision,
// recall and F1, and their macro-F1, on the same samples.
func WriteTable(w io.Writer, model, rules Metrics) error {
	var b strings.Builder
	b.WriteString("| class | support | model P | model R | model F1 | rules P | rules R | rules F1 |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for c := range model.PerClass {
		m, r := model.PerClass[c], rules.PerClass[c]
		fmt.Fprintf(&b, "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", m.Class, m.Support, m.Precision, m.Recall, m.F1, r.Precision, r.Recall, r.F1)
	}
	fmt.Fprintf(&b, "| **macro-F1** | %d | | | **%.3f** | | | **%.3f** |\n", model.N, model.MacroF1, rules.MacroF1)
	fmt.Fprintf(&b, "| accuracy | | | | %.3f | | | %.3f |\n", model.Accuracy, rules.Accuracy)
	_, err := io.WriteString(w, b.String())
	return err
}

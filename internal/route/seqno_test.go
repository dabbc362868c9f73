package route

import "testing"

func TestSeqnoOrder(t *testing.T) {
	tests := []struct {
		a, b uint16
		less bool
	}{
		{0, 1, true},
		{1, 0, false},
		{5, 5, false},
		{0xFFFF, 0, true},
		{0xFFF0, 0x0010, true},
		{0x0010, 0xFFF0, false},
		{0, 0x7FFF, true},
		{0, 0x8000, false}, // exactly half apart: unordered
		{0x8000, 0, false},
		{0x8001, 0, true},
	}
	for _, tt := range tests {
		if got := seqnoLess(tt.a, tt.b); got != tt.less {
			t.Errorf("seqnoLess(%#x, %#x) = %v, want %v", tt.a, tt.b, got, tt.less)
		}
		if got := seqnoNewer(tt.b, tt.a); got != tt.less {
			t.Errorf("seqnoNewer(%#x, %#x) = %v, want %v", tt.b, tt.a, got, tt.less)
		}
	}
}

func TestAddMetric(t *testing.T) {
	tests := []struct{ cost, metric, want uint16 }{
		{1, 0, 1},
		{10, 20, 30},
		{1, Infinity, Infinity},
		{Infinity, 0, Infinity},
		{0x8000, 0x7FFE, 0xFFFE},
		{0x8000, 0x7FFF, Infinity},
		{0xFFFE, 0xFFFE, Infinity},
	}
	for _, tt := range tests {
		if got := addMetric(tt.cost, tt.metric); got != tt.want {
			t.Errorf("addMetric(%d, %d) = %d, want %d", tt.cost, tt.metric, got, tt.want)
		}
	}
}

func TestFeasibility(t *testing.T) {
	fd := feasibility{seqno: 10, metric: 100}
	tests := []struct {
		name          string
		seqno, metric uint16
		want          bool
	}{
		{"same seqno smaller metric", 10, 99, true},
		{"same seqno same metric", 10, 100, false},
		{"same seqno larger metric", 10, 101, false},
		{"newer seqno larger metric", 11, 5000, true},
		{"older seqno smaller metric", 9, 1, false},
		{"retraction", 9, Infinity, true},
		{"unordered seqno", 10 + 0x8000, 1, false},
		{"wrapped newer seqno", 10 + 0x7FFF, 60000, true},
	}
	for _, tt := range tests {
		if got := fd.admits(tt.seqno, tt.metric); got != tt.want {
			t.Errorf("%s: admits(%d, %d) = %v, want %v", tt.name, tt.seqno, tt.metric, got, tt.want)
		}
	}
}

func TestFeasibilityLower(t *testing.T) {
	tests := []struct {
		name          string
		seqno, metric uint16
		want          feasibility
	}{
		{"smaller metric lowers", 10, 50, feasibility{10, 50}},
		{"larger metric keeps", 10, 150, feasibility{10, 100}},
		{"newer seqno replaces", 11, 500, feasibility{11, 500}},
		{"older seqno keeps", 9, 1, feasibility{10, 100}},
	}
	for _, tt := range tests {
		fd := feasibility{seqno: 10, metric: 100}
		fd.lower(tt.seqno, tt.metric)
		if fd != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, fd, tt.want)
		}
	}
}

func TestSignificant(t *testing.T) {
	tests := []struct {
		old, now uint16
		want     bool
	}{
		{100, 100, false},
		{100, 112, false},
		{100, 113, true},
		{100, 87, true},
		{100, Infinity, true},
		{Infinity, 5, true},
		{1, 2, true},
	}
	for _, tt := range tests {
		if got := significant(tt.old, tt.now); got != tt.want {
			t.Errorf("significant(%d, %d) = %v, want %v", tt.old, tt.now, got, tt.want)
		}
	}
}

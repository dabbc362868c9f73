package store

import "testing"

// BenchmarkWriteStep measures persisting one Step of 10 audit records, an
// incident and an action, with an fsync per transaction as in production.
func BenchmarkWriteStep(b *testing.B) {
	s, _ := openTemp(b, Options{MaxAuditRecords: 1000})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.WriteStep(stepResult(i+1, 10)); err != nil {
			b.Fatal(err)
		}
	}
}

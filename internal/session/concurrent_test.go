package session

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
)

// TestConcurrentSealOpen seals from many goroutines and opens every frame twice from many
// others: each frame is accepted exactly once and each copy is refused as a replay. The total
// number of frames stays below ReplayWindowSize so no genuine frame can fall out of the window.
func TestConcurrentSealOpen(t *testing.T) {
	const sealers, openers, perSealer = 8, 6, 240
	ini, resp := newPair(t, Limits{}, false)
	frames := make(chan []byte, 64)
	var sealWG sync.WaitGroup
	for g := range sealers {
		sealWG.Add(1)
		go func() {
			defer sealWG.Done()
			for i := range perSealer {
				var p [8]byte
				binary.LittleEndian.PutUint32(p[:], uint32(g))
				binary.LittleEndian.PutUint32(p[4:], uint32(i))
				f, err := ini.Seal(nil, p[:])
				if err != nil {
					t.Error(err)
					return
				}
				frames <- f
				frames <- f // duplicate
			}
		}()
	}
	go func() { sealWG.Wait(); close(frames) }()

	var mu sync.Mutex
	got := map[[8]byte]int{}
	replays := 0
	var openWG sync.WaitGroup
	for range openers {
		openWG.Add(1)
		go func() {
			defer openWG.Done()
			buf := make([]byte, 0, 64)
			for f := range frames {
				p, err := resp.Open(buf[:0], f, t0)
				mu.Lock()
				switch {
				case err == nil && len(p) == 8:
					got[[8]byte(p)]++
				case errors.Is(err, ErrReplay):
					replays++
				default:
					t.Errorf("Open: %v (%d bytes)", err, len(p))
				}
				mu.Unlock()
			}
		}()
	}
	openWG.Wait()
	if len(got) != sealers*perSealer || replays != sealers*perSealer {
		t.Fatalf("%d distinct payloads, %d replays; want %d each", len(got), replays, sealers*perSealer)
	}
	for p, n := range got {
		if n != 1 {
			t.Fatalf("payload %x opened %d times", p, n)
		}
	}
	st := resp.Stats()
	if st.FramesOpened != sealers*perSealer+1 || st.RejectedReplay != sealers*perSealer {
		t.Fatalf("stats %+v", st)
	}
}

// TestConcurrentClose closes a session while others seal and open on it.
func TestConcurrentClose(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	f, _ := ini.Seal(nil, []byte("x"))
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if _, err := resp.Seal(nil, []byte("y")); err != nil && !errors.Is(err, ErrClosed) {
					t.Error(err)
				}
				if _, err := resp.Open(nil, f, t0); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrReplay) {
					t.Error(err)
				}
			}
		}()
	}
	resp.Close()
	wg.Wait()
	if _, err := resp.Seal(nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

package peers

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestEventually(t *testing.T) {
	for _, tc := range []struct {
		name      string
		trueFrom  int // the call from which cond holds; 0: never
		within    time.Duration
		want      bool
		wantCalls int // 0: more than one, any number
	}{
		{"holds at once: one check", 1, time.Minute, true, 1},
		{"holds at the third check", 3, time.Minute, true, 3},
		{"never holds: false at the deadline", 0, 50 * time.Millisecond, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			began := time.Now()
			got := Eventually(tc.within, func() bool {
				calls++
				return tc.trueFrom > 0 && calls >= tc.trueFrom
			})
			if got != tc.want {
				t.Fatalf("Eventually = %v after %d checks, want %v", got, calls, tc.want)
			}
			if tc.wantCalls > 0 && calls != tc.wantCalls {
				t.Fatalf("%d checks, want %d", calls, tc.wantCalls)
			}
			if !got && (calls < 2 || time.Since(began) < tc.within) {
				t.Fatalf("gave up after %d checks and %v, want several checks and at least %v", calls, time.Since(began), tc.within)
			}
		})
	}
}

// fakeTB records Fatalf and ends its goroutine as testing.T does.
type fakeTB struct {
	testing.TB
	fatal string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// await runs Await against a fakeTB on a goroutine of its own, since
// Fatalf ends the goroutine that calls it.
func await(within time.Duration, cond func() bool) (fatal string, returned bool) {
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Await(f, within, "the thing", cond)
		returned = true
	}()
	<-done
	return f.fatal, returned
}

func TestAwaitReturnsOnceCondHolds(t *testing.T) {
	calls := 0
	fatal, returned := await(time.Minute, func() bool { calls++; return calls == 2 })
	if !returned || fatal != "" {
		t.Fatalf("Await returned %v, failed with %q; want it to return once cond holds", returned, fatal)
	}
}

func TestAwaitFailsOnTimeout(t *testing.T) {
	fatal, returned := await(30*time.Millisecond, func() bool { return false })
	if returned || fatal != "the thing not within 30ms" {
		t.Fatalf("Await returned %v, failed with %q; want it to fail with %q", returned, fatal, "the thing not within 30ms")
	}
}

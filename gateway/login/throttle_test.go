package login

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// An attacker who guesses the commander's password from its address locks
// out only itself: the commander, from another address, still logs in.
// Before the fix (a lock per name) the 15 wrong tries locked "chief" for
// everybody and the last login here failed with a ThrottledError.
func TestAttackerLocksOutOnlyItself(t *testing.T) {
	a, _, _ := newAuth(t)
	ctx := context.Background()
	const attacker = "203.0.113.66"
	var te *ThrottledError
	for i := range 15 {
		_, _, err := a.Login(ctx, attacker, "chief", fmt.Sprint("guess-", i))
		if err != ErrWrongCredentials && !errors.As(err, &te) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, _, err := a.Login(ctx, attacker, "chief", "chief password"); !errors.As(err, &te) || te.Reason != ReasonPair {
		t.Fatalf("the attacker with the right password: %v, want locked out (%s)", err, ReasonPair)
	}
	if _, _, err := a.Login(ctx, home, "chief", "chief password"); err != nil {
		t.Fatalf("the commander from another address: %v, want logged in", err)
	}
}

// An address spraying many names is locked as a whole after clientFree failures.
func TestSprayingAddressIsLocked(t *testing.T) {
	a, _, _ := newAuth(t)
	ctx := context.Background()
	const attacker = "203.0.113.67"
	names := []string{"chief", "river-op", "stored-op", "gone"} // known names: bcrypt at the tests' low cost
	for i := range clientFree {
		if _, _, err := a.Login(ctx, attacker, names[i%len(names)], "guess"); err != ErrWrongCredentials {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	var te *ThrottledError
	if _, _, err := a.Login(ctx, attacker, "someone-else", "a password"); !errors.As(err, &te) || te.Reason != ReasonClient {
		t.Fatalf("after %d failures over many names: %v, want %s", clientFree, err, ReasonClient)
	}
	if _, _, err := a.Login(ctx, home, "river-op", "river password"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// A name sprayed from many addresses is locked, but not for an address
// its user logged in from before.
func TestSprayedNameSparesFamiliarAddress(t *testing.T) {
	a, _, _ := newAuth(t)
	ctx := context.Background()
	if _, _, err := a.Login(ctx, home, "chief", "chief password"); err != nil {
		t.Fatal(err)
	}
	for i := range nameFree {
		if _, _, err := a.Login(ctx, fmt.Sprintf("198.51.100.%d", i), "chief", "guess"); err != ErrWrongCredentials {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	var te *ThrottledError
	if _, _, err := a.Login(ctx, "198.51.100.250", "chief", "chief password"); !errors.As(err, &te) || te.Reason != ReasonName {
		t.Fatalf("a new address for a sprayed name: %v, want %s", err, ReasonName)
	}
	if _, _, err := a.Login(ctx, home, "chief", "chief password"); err != nil {
		t.Fatalf("the user's own address: %v, want logged in", err)
	}
}

// One address may attempt PerMinute logins a minute, right or wrong; the
// refusal says when the next is allowed.
func TestLoginRatePerAddress(t *testing.T) {
	a, _, clk := newAuth(t)
	a.throttle.perMinute = 6
	ctx := context.Background()
	for i := range 6 {
		name := []string{"chief", "river-op"}[i%2]
		if _, _, err := a.Login(ctx, home, name, name+" password wrong"); err != ErrWrongCredentials {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	var te *ThrottledError
	_, _, err := a.Login(ctx, home, "stored-op", "stored password")
	if !errors.As(err, &te) || te.Reason != ReasonRate || te.RetryAfter != 10*time.Second {
		t.Fatalf("7th attempt in a minute: %v, want %s in 10s", err, ReasonRate)
	}
	clk.add(10 * time.Second)
	if _, _, err := a.Login(ctx, home, "stored-op", "stored password"); err != nil {
		t.Fatalf("after 10 s: %v", err)
	}
}

// Real bcrypt. A flood of 1,000 wrong logins at once, each from its own
// address and for its own name (so the throttle refuses none of them), runs at most Checks
// bcrypt comparisons at a time; the ones beyond the queue are refused at
// once with a reason, and every attempt is answered. Before the fix every
// attempt ran its bcrypt at once (a peak in the hundreds).
func TestLoginFloodBoundsBcrypt(t *testing.T) {
	a, _, _ := newAuth(t)
	const checks = 2
	a.checks = newChecks(checks)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := a.Login(ctx, fmt.Sprintf("10.%d.%d.1", i/250, i%250), fmt.Sprint("user-", i), "guess")
			var te *ThrottledError
			key := "wrong"
			switch {
			case errors.As(err, &te) && te.Reason == ReasonChecks:
				key = "busy"
			case err != ErrWrongCredentials:
				key = fmt.Sprint(err)
			}
			mu.Lock()
			answers[key]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	_, peak := a.Checking()
	if peak < 1 || peak > checks {
		t.Fatalf("%d bcrypt comparisons ran at once, want at most %d", peak, checks)
	}
	if answers["wrong"]+answers["busy"] != 1000 || answers["busy"] == 0 {
		t.Fatalf("answers %v: want 1000 wrong or busy, some busy", answers)
	}
	t.Logf("1,000 concurrent wrong logins: %v, at most %d bcrypt at once", answers, peak)
}

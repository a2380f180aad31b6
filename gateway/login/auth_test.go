package login

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/store"
)

// clock is a hand-moved clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// home is the address the tests' users log in from.
const home = "192.0.2.10"

// Real: the SQLite store in a temp file. Simulated: the clock.
func newAuth(t *testing.T) (*Auth, store.Store, *clock) {
	clk := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, u := range []store.User{
		{Name: "stored-op", Role: store.RoleOperator, Sites: []string{"hillside"}, PasswordHash: hashed(t, "stored password")},
		{Name: "gone", Role: store.RolePilot, Sites: []string{"*"}, PasswordHash: hashed(t, "disabled password"), Disabled: true},
	} {
		if err := st.PutUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	a := NewAuth(AuthOptions{Store: st, TTL: time.Hour, Now: clk.now, Users: []store.User{
		{Name: "chief", Role: store.RoleCommander, Sites: []string{"*"}, PasswordHash: hashed(t, "chief password")},
		{Name: "river-op", Role: store.RoleOperator, Sites: []string{"riverside"}, PasswordHash: hashed(t, "river password")},
	}})
	return a, st, clk
}

func TestLoginResolveLogout(t *testing.T) {
	a, st, clk := newAuth(t)
	ctx := context.Background()
	p, s, err := a.Login(ctx, home, "chief", "chief password")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "chief" || p.Source != access.SourceConfig || !p.AllSites() || !s.Expires.Equal(clk.now().Add(time.Hour)) {
		t.Fatalf("principal %+v session expires %s", p, s.Expires)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(s.Token); err != nil || len(raw) != 32 {
		t.Fatalf("token is not 32 bytes base64url: %v", err)
	}
	if _, err := st.Session(ctx, HashToken(s.Token), clk.now()); err != nil {
		t.Fatalf("session not stored under the token's SHA-256: %v", err)
	}
	if _, err := st.Session(ctx, s.Token, clk.now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session stored under the token itself: %v", err)
	}
	if got, exp, err := a.Resolve(ctx, s.Token); err != nil || got.Name != "chief" || !exp.Equal(s.Expires) {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	clk.add(time.Hour)
	if _, _, err := a.Resolve(ctx, s.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("expired session resolved: %v", err)
	}
	_, s2, err := a.Login(ctx, home, "stored-op", "stored password")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, s2.Token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Resolve(ctx, s2.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("logged-out session resolved: %v", err)
	}
}

// Unknown user, wrong password and disabled user get the same error.
func TestLoginRefusals(t *testing.T) {
	a, _, _ := newAuth(t)
	for _, c := range []struct{ name, user, password string }{
		{"unknown user", "nobody", "chief password"},
		{"wrong password", "chief", "chief passwort"},
		{"disabled", "gone", "disabled password"},
		{"empty", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := a.Login(context.Background(), home, c.user, c.password); err != ErrWrongCredentials {
				t.Fatalf("got %v, want ErrWrongCredentials", err)
			}
		})
	}
}

// After five failures from one address a name is locked there with a
// doubling delay, even for the right password; another name is not; the
// lock ends with time.
func TestLoginThrottle(t *testing.T) {
	a, _, clk := newAuth(t)
	ctx := context.Background()
	for i := range pairFree {
		if _, _, err := a.Login(ctx, home, "chief", "guess"); err != ErrWrongCredentials {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	var te *ThrottledError
	if _, _, err := a.Login(ctx, home, "chief", "chief password"); !errors.As(err, &te) || te.RetryAfter != time.Second {
		t.Fatalf("locked name: %v, want a 1s ThrottledError", err)
	}
	if _, _, err := a.Login(ctx, home, "river-op", "river password"); err != nil {
		t.Fatalf("another name is locked too: %v", err)
	}
	clk.add(time.Second)
	if _, _, err := a.Login(ctx, home, "chief", "guess again"); err != ErrWrongCredentials {
		t.Fatalf("after the lock: %v", err)
	}
	if _, _, err := a.Login(ctx, home, "chief", "chief password"); !errors.As(err, &te) || te.RetryAfter != 2*time.Second {
		t.Fatalf("second lock: %v, want 2s", err)
	}
	clk.add(2 * time.Second)
	if _, _, err := a.Login(ctx, home, "chief", "chief password"); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	for range pairFree {
		a.Login(ctx, home, "chief", "guess")
	}
	if _, _, err := a.Login(ctx, home, "chief", "x"); !errors.As(err, &te) || te.RetryAfter != time.Second {
		t.Fatalf("a success did not reset the count: %v", err)
	}
}

// hashed is the bcrypt hash HashPassword makes of password.
func hashed(t testing.TB, password string) string {
	t.Helper()
	h, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

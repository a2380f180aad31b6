package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// testUsers stores, replaces, lists and deletes users.
func testUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := store.User{Name: "ann", Role: store.RoleOperator, Sites: []string{"north", "south"}, PasswordHash: "$2a$10$secrethash", Created: t0}
	if err := s.PutUser(ctx, ann); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUser(ctx, store.User{Name: "bob", Role: store.RoleAdmin, Sites: []string{"*"}, PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, "ann")
	if err != nil || !slices.Equal(got.Sites, ann.Sites) || got.PasswordHash != ann.PasswordHash || !got.Created.Equal(t0) || got.Role != store.RoleOperator {
		t.Errorf("ann: %+v %v", got, err)
	}
	ann.Role, ann.Sites, ann.Disabled, ann.Created = store.RoleCommander, []string{"east"}, true, t0.Add(time.Hour)
	if err := s.PutUser(ctx, ann); err != nil {
		t.Fatal(err)
	}
	got, _ = s.User(ctx, "ann")
	if got.Role != store.RoleCommander || !slices.Equal(got.Sites, []string{"east"}) || !got.Disabled || !got.Created.Equal(t0) {
		t.Errorf("replaced ann: %+v (created must stay the first)", got)
	}
	users, err := s.Users(ctx)
	if err != nil || len(users) != 2 || users[0].Name != "ann" || users[1].Name != "bob" {
		t.Errorf("users: %+v %v", users, err)
	}
	b, _ := json.Marshal(users)
	if strings.Contains(string(b), "secrethash") || strings.Contains(string(b), "password") {
		t.Errorf("user JSON carries the password hash: %s", b)
	}
	for _, bad := range []store.User{{Name: "", Role: store.RoleAdmin}, {Name: "eve", Role: "root"}} {
		if err := s.PutUser(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
	hash := store.HashToken("ann's token")
	if err := s.PutSession(ctx, store.Session{TokenHash: hash, User: "ann", Created: t0, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User(ctx, "ann"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted user: %v", err)
	}
	if _, err := s.Session(ctx, hash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted user's session: %v", err)
	}
	if err := s.DeleteUser(ctx, "ann"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

// testSessions: only hashes are stored, and an expired session is gone.
func testSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.PutSession(ctx, store.Session{TokenHash: "raw-token-value", User: "ann", Created: t0, Expires: t0.Add(time.Hour)}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a raw token was accepted: %v", err)
	}
	hash := store.HashToken("tok")
	se := store.Session{TokenHash: hash, User: "ann", Created: t0, Expires: t0.Add(time.Hour)}
	if err := s.PutSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"fresh", t0, true},
		{"a millisecond before expiry", se.Expires.Add(-time.Millisecond), true},
		{"at expiry", se.Expires, false},
		{"after", se.Expires.Add(time.Minute), false},
	}
	for _, c := range cases {
		got, err := s.Session(ctx, hash, c.now)
		if c.ok && (err != nil || got != se) {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, se)
		}
		if !c.ok && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", c.name, err)
		}
	}
	if err := s.DeleteSession(ctx, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, hash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after logout: %v", err)
	}
}

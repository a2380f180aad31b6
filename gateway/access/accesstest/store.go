// Package accesstest is a SIMULATED store of console users and sessions,
// in memory, for tests of the packages that log users in (access, api,
// the gateway) while the real store is built elsewhere or not needed. It
// honours expiry and deletes a user's sessions with the user, as
// gateway/store.Store documents.
package accesstest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// Store holds users and sessions in maps; safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	users    map[string]store.User
	sessions map[string]store.Session
}

// NewStore starts with users stored.
func NewStore(users ...store.User) *Store {
	s := &Store{users: map[string]store.User{}, sessions: map[string]store.Session{}}
	for _, u := range users {
		s.users[u.Name] = u
	}
	return s
}

// PutUser creates or replaces a user.
func (s *Store) PutUser(_ context.Context, u store.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.Name] = u
	return nil
}

// User returns one user or store.ErrNotFound.
func (s *Store) User(_ context.Context, name string) (store.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return u, store.ErrNotFound
	}
	return u, nil
}

// Users lists the users by name.
func (s *Store) Users(context.Context) ([]store.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteUser removes a user and its sessions.
func (s *Store) DeleteUser(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; !ok {
		return store.ErrNotFound
	}
	delete(s.users, name)
	for h, ss := range s.sessions {
		if ss.User == name {
			delete(s.sessions, h)
		}
	}
	return nil
}

// PutSession stores a session.
func (s *Store) PutSession(_ context.Context, ss store.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[ss.TokenHash] = ss
	return nil
}

// Session returns a session unexpired at now, or store.ErrNotFound.
func (s *Store) Session(_ context.Context, hash string, now time.Time) (store.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[hash]
	if !ok || !now.Before(ss.Expires) {
		return ss, store.ErrNotFound
	}
	return ss, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(_ context.Context, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, hash)
	return nil
}

// TokenHashes lists the keys sessions are stored under.
func (s *Store) TokenHashes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.sessions))
	for h := range s.sessions {
		out = append(out, h)
	}
	return out
}

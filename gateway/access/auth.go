package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/gateway/store"
)

// UserStore is what logins need of the store: stored users and sessions
// (gateway/store.Store has it).
type UserStore interface {
	User(ctx context.Context, name string) (store.User, error)
	PutSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, tokenHash string, now time.Time) (store.Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
}

// Errors of Login and Resolve.
var (
	// ErrWrongCredentials is the one answer for an unknown user, a wrong
	// password and a disabled user, so a caller cannot probe for names.
	ErrWrongCredentials = errors.New("wrong user or password")
	// ErrNoSession is an absent, unknown or expired session token.
	ErrNoSession = errors.New("no session: log in")
)

// ThrottledError refuses a login for a user name that failed too often.
type ThrottledError struct{ RetryAfter time.Duration }

// Error says how long to wait.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins for this user: retry in %s", e.RetryAfter.Round(time.Second))
}

// AuthOptions configure an Auth.
type AuthOptions struct {
	Users []store.User // console users from the config (read-only)
	Store UserStore    // stored users and sessions
	TTL   time.Duration
	Now   func() time.Time // the clock (default time.Now); tests move it
}

// Auth logs console users in and resolves their session tokens.
type Auth struct {
	config   map[string]store.User
	order    []string
	store    UserStore
	ttl      time.Duration
	now      func() time.Time
	throttle *throttle
}

// Session is a new login's token (a secret: give it only to its user) and expiry.
type Session struct {
	Token   string
	Expires time.Time
}

// NewAuth builds an Auth over the config users and the store.
func NewAuth(o AuthOptions) *Auth {
	if o.TTL <= 0 {
		o.TTL = DefaultSessionTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &Auth{config: map[string]store.User{}, store: o.Store, ttl: o.TTL, now: o.Now, throttle: newThrottle()}
	for _, u := range o.Users {
		a.config[u.Name] = u
		a.order = append(a.order, u.Name)
	}
	return a
}

// ConfigUsers lists the users of the config file, in file order.
func (a *Auth) ConfigUsers() []store.User {
	out := make([]store.User, 0, len(a.order))
	for _, n := range a.order {
		out = append(out, a.config[n])
	}
	return out
}

// IsConfigUser reports whether name is a user of the config file.
func (a *Auth) IsConfigUser(name string) bool { _, ok := a.config[name]; return ok }

// Login checks name and password (bcrypt, also against a dummy hash for an
// unknown name so both take as long) and starts a session. Repeated
// failures of one name answer *ThrottledError without checking anything.
func (a *Auth) Login(ctx context.Context, name, password string) (Principal, Session, error) {
	now := a.now()
	if wait := a.throttle.wait(name, now); wait > 0 {
		return Principal{}, Session{}, &ThrottledError{RetryAfter: wait}
	}
	u, source, err := a.user(ctx, name)
	hash := dummyHash()
	if err == nil {
		hash = []byte(u.PasswordHash)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Principal{}, Session{}, err
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if !match || err != nil || u.Disabled {
		a.throttle.failed(name, now)
		return Principal{}, Session{}, ErrWrongCredentials
	}
	a.throttle.succeeded(name)
	token, err := newToken()
	if err != nil {
		return Principal{}, Session{}, err
	}
	s := Session{Token: token, Expires: now.Add(a.ttl)}
	if err := a.store.PutSession(ctx, store.Session{TokenHash: HashToken(token), User: u.Name, Created: now, Expires: s.Expires}); err != nil {
		return Principal{}, Session{}, fmt.Errorf("store session: %w", err)
	}
	return principalOf(u, source), s, nil
}

// Resolve returns the principal of a session token and when it expires.
// The user is read again each time, so a changed role or a deleted or
// disabled user takes effect on the next request.
func (a *Auth) Resolve(ctx context.Context, token string) (Principal, time.Time, error) {
	if token == "" {
		return Principal{}, time.Time{}, ErrNoSession
	}
	s, err := a.store.Session(ctx, HashToken(token), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, time.Time{}, ErrNoSession
	}
	if err != nil {
		return Principal{}, time.Time{}, err
	}
	u, source, err := a.user(ctx, s.User)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return Principal{}, time.Time{}, ErrNoSession
	}
	if err != nil {
		return Principal{}, time.Time{}, err
	}
	return principalOf(u, source), s.Expires, nil
}

// Logout ends the session of token.
func (a *Auth) Logout(ctx context.Context, token string) error {
	return a.store.DeleteSession(ctx, HashToken(token))
}

// user finds a config user first, then a stored one.
func (a *Auth) user(ctx context.Context, name string) (store.User, string, error) {
	if u, ok := a.config[name]; ok {
		return u, SourceConfig, nil
	}
	u, err := a.store.User(ctx, name)
	return u, SourceStore, err
}

// HashToken is what the store keeps of a session token: its SHA-256, hex.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newToken is 32 random bytes, base64url without padding.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

var dummy struct {
	once sync.Once
	hash []byte
}

// dummyHash is compared against for an unknown user, at the default cost,
// so that its answer takes as long as a wrong password's.
func dummyHash() []byte {
	dummy.once.Do(func() {
		dummy.hash, _ = bcrypt.GenerateFromPassword([]byte("argus: no such user"), bcrypt.DefaultCost)
	})
	return dummy.hash
}

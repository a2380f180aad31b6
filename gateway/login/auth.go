package login

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/gateway/access"
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

// ThrottledError refuses a login attempt before any password is checked:
// Reason says why (one of the Reason… constants), RetryAfter when to try again.
type ThrottledError struct {
	RetryAfter time.Duration
	Reason     string
}

// Error says why and how long to wait.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s: retry in %s", e.Reason, max(time.Second, e.RetryAfter.Round(time.Second)))
}

// AuthOptions configure an Auth.
type AuthOptions struct {
	Users []store.User // console users from the config (read-only)
	Store UserStore    // stored users and sessions
	TTL   time.Duration
	Now   func() time.Time // the clock (default time.Now); tests move it
	// Checks bounds the password checks (bcrypt, ~50 ms of a core each)
	// running at once (default DefaultLoginChecks); a few times as
	// many wait, the rest are refused at once.
	Checks int
	// PerMinute bounds one client address's login attempts (default DefaultLoginsPerMinute).
	PerMinute int
}

// Defaults of an Auth.
const (
	// DefaultSessionTTL is how long a login lasts.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultLoginChecks bounds the password checks running at once.
	DefaultLoginChecks = 4
	// DefaultLoginsPerMinute bounds one address's login attempts.
	DefaultLoginsPerMinute = 30
)

// Auth logs console users in and resolves their session tokens.
type Auth struct {
	config   map[string]store.User
	order    []string
	store    UserStore
	ttl      time.Duration
	now      func() time.Time
	throttle *throttle
	checks   *checks
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
	if o.Checks <= 0 {
		o.Checks = DefaultLoginChecks
	}
	if o.PerMinute <= 0 {
		o.PerMinute = DefaultLoginsPerMinute
	}
	a := &Auth{config: map[string]store.User{}, store: o.Store, ttl: o.TTL, now: o.Now,
		throttle: newThrottle(o.PerMinute), checks: newChecks(o.Checks)}
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

// Login checks name and password for a client (its address, as
// forwarded.Origin.Key gives it) and starts a session. The password is
// checked with bcrypt, against a dummy hash for an unknown name so both
// take as long, and at most Checks at once. An attempt the throttle
// refuses (the client's failures, its rate) or that finds too many checks
// waiting answers *ThrottledError without checking anything.
func (a *Auth) Login(ctx context.Context, client, name, password string) (access.Principal, Session, error) {
	now := a.now()
	if wait, why := a.throttle.admit(client, name, now); wait > 0 {
		return access.Principal{}, Session{}, &ThrottledError{RetryAfter: wait, Reason: why}
	}
	u, source, err := a.user(ctx, name)
	hash := dummyHash()
	if err == nil {
		hash = []byte(u.PasswordHash)
	} else if !errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, Session{}, err
	}
	match, cerr := a.checks.compare(ctx, hash, password)
	if cerr != nil {
		return access.Principal{}, Session{}, cerr
	}
	if !match || err != nil || u.Disabled {
		a.throttle.failed(client, name, now)
		return access.Principal{}, Session{}, ErrWrongCredentials
	}
	a.throttle.succeeded(client, name)
	token, err := newToken()
	if err != nil {
		return access.Principal{}, Session{}, err
	}
	s := Session{Token: token, Expires: now.Add(a.ttl)}
	if err := a.store.PutSession(ctx, store.Session{TokenHash: HashToken(token), User: u.Name, Created: now, Expires: s.Expires}); err != nil {
		return access.Principal{}, Session{}, fmt.Errorf("store session: %w", err)
	}
	return principalOf(u, source), s, nil
}

// Resolve returns the principal of a session token and when it expires.
// The user is read again each time, so a changed role or a deleted or
// disabled user takes effect on the next request.
func (a *Auth) Resolve(ctx context.Context, token string) (access.Principal, time.Time, error) {
	if token == "" {
		return access.Principal{}, time.Time{}, ErrNoSession
	}
	s, err := a.store.Session(ctx, HashToken(token), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, time.Time{}, ErrNoSession
	}
	if err != nil {
		return access.Principal{}, time.Time{}, err
	}
	u, source, err := a.user(ctx, s.User)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return access.Principal{}, time.Time{}, ErrNoSession
	}
	if err != nil {
		return access.Principal{}, time.Time{}, err
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
		return u, access.SourceConfig, nil
	}
	u, err := a.store.User(ctx, name)
	return u, access.SourceStore, err
}

// principalOf is the principal of a stored or configured user.
func principalOf(u store.User, source string) access.Principal {
	return access.Principal{Name: u.Name, Role: u.Role, Sites: slices.Clone(u.Sites), Source: source}
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

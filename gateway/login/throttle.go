package login

import (
	"sync"
	"time"
)

// Login throttling counts failures by client address and name together, so
// a guesser locks out only itself: from one address, a name may fail
// pairFree times and the address (all names) clientFree times before
// each further failure locks it for a doubling delay, lockBase up to
// lockMax. Across addresses a name that fails nameFree times is locked
// too, but only for addresses its user never logged in from: the real
// user, from a familiar address, still gets in while the name is being
// sprayed from elsewhere (Microsoft's "smart lockout" does the same). A
// token bucket per address bounds its attempts, failed or not, to the
// configured rate (limits.logins_per_minute), so an address cannot make
// the gateway run bcrypt faster than that.
const (
	pairFree    = 5
	clientFree  = 20
	nameFree    = 50
	lockBase    = time.Second
	lockMax     = 15 * time.Minute
	forgetAfter = time.Hour // an entry without failures for this long starts afresh
	maxTracked  = 100000    // entries per table at most; beyond, stale ones are forgotten, then new ones untracked
	maxFamiliar = 16        // addresses remembered per user name
)

// Reasons of a ThrottledError.
const (
	ReasonPair   = "too many failed logins for this user from your address"
	ReasonClient = "too many failed logins from your address"
	ReasonName   = "too many failed logins for this user from addresses it never used"
	ReasonRate   = "too many login attempts from your address"
	ReasonChecks = "too many logins are being checked right now"
	bucketPeriod = time.Minute // the bucket is refilled over this period
)

type failures struct {
	n      int
	last   time.Time
	locked time.Time // no attempt before this
}

// fail counts a failure at now and locks once free are spent.
func (f *failures) fail(now time.Time, free int) {
	if now.Sub(f.last) > forgetAfter {
		f.n = 0
	}
	f.n++
	f.last = now
	if over := f.n - free; over >= 0 {
		d := lockMax
		if over < 20 && lockBase<<over < lockMax {
			d = lockBase << over
		}
		f.locked = now.Add(d)
	}
}

// bucket is a token bucket of login attempts.
type bucket struct {
	tokens float64
	at     time.Time
}

type throttle struct {
	perMinute int
	mu        sync.Mutex
	pairs     map[string]*failures // client + "\x00" + name
	clients   map[string]*failures
	names     map[string]*failures
	familiar  map[string][]string // name → addresses it logged in from
	buckets   map[string]*bucket
}

func newThrottle(perMinute int) *throttle {
	return &throttle{perMinute: perMinute, pairs: map[string]*failures{}, clients: map[string]*failures{},
		names: map[string]*failures{}, familiar: map[string][]string{}, buckets: map[string]*bucket{}}
}

// admit takes an attempt of name from client: 0 lets it try, else how long
// to wait and why.
func (t *throttle) admit(client, name string, now time.Time) (time.Duration, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.pairs[client+"\x00"+name]; f != nil && now.Before(f.locked) {
		return f.locked.Sub(now), ReasonPair
	}
	if f := t.clients[client]; f != nil && now.Before(f.locked) {
		return f.locked.Sub(now), ReasonClient
	}
	if f := t.names[name]; f != nil && now.Before(f.locked) && !t.isFamiliar(name, client) {
		return f.locked.Sub(now), ReasonName
	}
	return t.take(client, now)
}

// take spends one of client's attempts.
func (t *throttle) take(client string, now time.Time) (time.Duration, string) {
	b := t.buckets[client]
	if b == nil {
		if !room(t.buckets, now, func(b *bucket) bool { return now.Sub(b.at) > bucketPeriod }) {
			return 0, ""
		}
		b = &bucket{tokens: float64(t.perMinute), at: now}
		t.buckets[client] = b
	}
	rate := float64(t.perMinute) / bucketPeriod.Seconds()
	b.tokens = min(float64(t.perMinute), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / rate * float64(time.Second)), ReasonRate
	}
	b.tokens--
	return 0, ""
}

// failed counts a failed attempt of name from client.
func (t *throttle) failed(client, name string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	count(t.pairs, client+"\x00"+name, now, pairFree)
	count(t.clients, client, now, clientFree)
	count(t.names, name, now, nameFree)
}

// succeeded forgets the failures of the pair and the client, and makes
// client familiar for name.
func (t *throttle) succeeded(client, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs, client+"\x00"+name)
	delete(t.clients, client)
	if t.isFamiliar(name, client) {
		return
	}
	if _, ok := t.familiar[name]; !ok && len(t.familiar) >= maxTracked {
		return
	}
	list := append(t.familiar[name], client)
	if len(list) > maxFamiliar {
		list = list[1:]
	}
	t.familiar[name] = list
}

func (t *throttle) isFamiliar(name, client string) bool {
	for _, c := range t.familiar[name] {
		if c == client {
			return true
		}
	}
	return false
}

// count adds a failure to key's entry, making room for a new one.
func count(m map[string]*failures, key string, now time.Time, free int) {
	f := m[key]
	if f == nil {
		if !room(m, now, func(f *failures) bool { return now.Sub(f.last) > forgetAfter || !now.Before(f.locked) && f.n < free }) {
			return
		}
		f = &failures{}
		m[key] = f
	}
	f.fail(now, free)
}

// room reports whether m may take one more entry, first forgetting the stale ones when it is full.
func room[V any](m map[string]V, now time.Time, stale func(V) bool) bool {
	if len(m) < maxTracked {
		return true
	}
	for k, v := range m {
		if stale(v) {
			delete(m, k)
		}
	}
	return len(m) < maxTracked
}

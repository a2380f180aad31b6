package drone

import "sync"

// recent maps the last n keys put to their values, forgetting the oldest.
// Safe for concurrent use.
type recent struct {
	mu    sync.Mutex
	n     int
	vals  map[string]string
	order []string // keys, oldest first
}

func newRecent(n int) *recent { return &recent{n: n, vals: map[string]string{}} }

// put sets key's value, remembering key as the newest when it is new.
func (r *recent) put(key, val string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.vals[key]; !ok {
		if len(r.order) == r.n {
			delete(r.vals, r.order[0])
			r.order = r.order[1:]
		}
		r.order = append(r.order, key)
	}
	r.vals[key] = val
}

// get returns key's value and whether it is remembered.
func (r *recent) get(key string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.vals[key]
	return v, ok
}

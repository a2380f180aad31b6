// Package rulesetstest holds test helpers for gateway/rulesets and the
// tests that drive it (deploy/rulescontract): an in-memory store, which
// stands in for the SQLite store until it lands, and a reader of what a
// broker retains.
package rulesetstest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// MemStore keeps rule sets and anomaly counts in memory: the rule-set
// methods and Counts of store.Store. It is simulated persistence; calling
// any other method panics (its embedded store.Store is nil).
type MemStore struct {
	store.Store

	mu     sync.Mutex
	sets   map[string][]store.RuleSet
	counts []store.Count
	// PutErr, when set, is returned by PutRuleSet, to simulate a failing
	// database.
	PutErr error
	// Asked is the last [from, to) Counts was asked for.
	Asked [2]time.Time
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{sets: map[string][]store.RuleSet{}} }

// SetCounts sets what Counts returns, whatever the site and period.
func (m *MemStore) SetCounts(c []store.Count) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts = c
}

// PutRuleSet stores a version; (site, version) is unique.
func (m *MemStore) PutRuleSet(_ context.Context, r store.RuleSet) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.PutErr != nil {
		return m.PutErr
	}
	for _, o := range m.sets[r.Site] {
		if o.Version == r.Version {
			return fmt.Errorf("memstore: site %s version %d exists", r.Site, r.Version)
		}
	}
	m.sets[r.Site] = append(m.sets[r.Site], r)
	return nil
}

// RuleSets lists a site's versions, newest first.
func (m *MemStore) RuleSets(_ context.Context, site string) ([]store.RuleSet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.sets[site])
	slices.SortFunc(out, func(a, b store.RuleSet) int { return b.Version - a.Version })
	return out, nil
}

// RuleSet returns one version.
func (m *MemStore) RuleSet(_ context.Context, site string, version int) (store.RuleSet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.sets[site] {
		if r.Version == version {
			return r, nil
		}
	}
	return store.RuleSet{}, store.ErrNotFound
}

// SetRuleStage changes one version's stage.
func (m *MemStore) SetRuleStage(_ context.Context, site string, version int, stage string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range m.sets[site] {
		if r.Version == version {
			m.sets[site][i].Stage = stage
			return nil
		}
	}
	return store.ErrNotFound
}

// Counts returns the counts set by SetCounts and notes the period asked.
func (m *MemStore) Counts(_ context.Context, _ string, from, to time.Time) ([]store.Count, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Asked = [2]time.Time{from, to}
	return slices.Clone(m.counts), nil
}

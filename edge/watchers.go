package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs/watch"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/ingest"
	"github.com/argus-edge/argus/edge/rules"
)

// ruleSets applies sites' rule sets from files and retained MQTT messages,
// and remembers the outcome per site for the status API.
type ruleSets struct {
	an  *analyze.Manager
	log zerolog.Logger

	mu     sync.Mutex
	status map[string]*RuleStatus
}

// RuleStatus is what the edge knows of one site's rules.
type RuleStatus struct {
	// Site is the site id.
	Site string `json:"site"`
	// Live and Shadow are the running versions, 0 when none.
	Live   int `json:"live"`
	Shadow int `json:"shadow"`
	// Source says where the last applied set came from.
	Source string `json:"source,omitempty"`
	// Refused is the reason the last offered set was refused.
	Refused string `json:"refused,omitempty"`
}

func newRuleSets(an *analyze.Manager, log zerolog.Logger) *ruleSets {
	return &ruleSets{an: an, log: log, status: map[string]*RuleStatus{}}
}

// offer parses and applies one rule set; a refusal is logged with its
// reason and the running set stays.
func (r *ruleSets) offer(site, source string, data []byte) {
	set, err := rules.Parse(source, data, detect.Names())
	r.apply(site, source, set, err)
}

// offerMessage handles a retained rules message from MQTT.
func (r *ruleSets) offerMessage(topic string, payload []byte) {
	set, err := rules.ParseMessage(topic, payload, detect.Names())
	site := strings.TrimSuffix(strings.TrimPrefix(topic, bus.Root+"/rules/"), "/shadow")
	if errors.Is(err, rules.ErrCleared) {
		r.an.DropShadow(site)
		r.note(site, func(st *RuleStatus) { st.Shadow = 0 })
		r.log.Info().Str("site", site).Msg("shadow rules retired")
		return
	}
	r.apply(site, "mqtt:"+topic, set, err)
}

func (r *ruleSets) apply(site, source string, set *rules.Set, err error) {
	if err == nil {
		err = r.an.Rules(set)
	}
	if err != nil {
		r.log.Error().Str("site", site).Str("source", source).Strs("problems", ingest.Problems(err)).
			Msg("rule set refused; the running one stays")
		r.note(site, func(st *RuleStatus) { st.Refused = err.Error() })
		return
	}
	r.note(site, func(st *RuleStatus) {
		st.Refused, st.Source = "", source
		if set.Shadow {
			st.Shadow = set.Version
		} else {
			st.Live = set.Version
		}
	})
	r.log.Info().Str("site", site).Str("source", source).Int("version", set.Version).Bool("shadow", set.Shadow).
		Msg("rule set applied")
}

func (r *ruleSets) note(site string, f func(*RuleStatus)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.status[site]
	if !ok {
		st = &RuleStatus{Site: site}
		r.status[site] = st
	}
	f(st)
}

// Status lists every site's rules state.
func (r *ruleSets) Status() []RuleStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RuleStatus, 0, len(r.status))
	for _, st := range r.status {
		out = append(out, *st)
	}
	return out
}

// watchFiles applies <dir>/<site>.yaml for every site now and whenever the
// file changes; a missing file is waited for quietly.
func (r *ruleSets) watchFiles(ctx context.Context, dir string, sites []string) {
	for _, site := range sites {
		path := filepath.Join(dir, site+".yaml")
		if _, err := os.Stat(path); err != nil {
			r.log.Info().Str("site", site).Str("file", path).Msg("no rule set file; waiting for one (or for argus/v1/rules/" + site + ")")
		}
		w := watch.New(path, time.Second, func(data []byte) { r.offer(site, path, data) })
		w.OnError = func(error) {}
		go w.Run(ctx)
	}
}

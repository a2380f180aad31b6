package main

import (
	"context"
	"crypto/sha256"
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
// and remembers the outcome per site for the status API. It watches the
// rule set file of every site of the running config (follow).
type ruleSets struct {
	an  *analyze.Manager
	log zerolog.Logger
	ctx context.Context // the edge's: every file watcher stops with it
	dir string          // detect.rules_dir, fixed at start

	mu      sync.Mutex
	status  map[string]*RuleStatus
	applied map[string][sha256.Size]byte // file or topic → hash of the content last applied from it
	changed chan struct{}                // a site's versions changed: the edge's status tells the gateway

	fmu   sync.Mutex
	files map[string]context.CancelFunc // site → stops its file's watcher
	bus   topics                        // subscribes each followed site's rule set topics; nil without MQTT
}

// topics is how the rule sets follow a site's retained rule set topics
// (the edge's bus client). One subscription per site, not argus/v1/rules/+:
// an edge's broker login may read its own sites' rules only, and a broker
// refuses the wildcard to it.
type topics interface {
	Subscribe(filter string, handler func(topic string, payload []byte)) error
	Unsubscribe(filter string)
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

// newRuleSets makes the rule sets of an edge whose sites' files are in dir;
// it watches none until follow.
func newRuleSets(ctx context.Context, an *analyze.Manager, log zerolog.Logger, dir string) *ruleSets {
	return &ruleSets{an: an, log: log, ctx: ctx, dir: dir, status: map[string]*RuleStatus{},
		applied: map[string][sha256.Size]byte{}, files: map[string]context.CancelFunc{},
		changed: make(chan struct{}, 1)}
}

// offerFile parses and applies the content of a site's rule set file; a
// refusal is logged with its reason and the running set stays. The content
// last applied from the same file is skipped quietly: a watcher started
// again for a site that left the config and came back reads it once more.
func (r *ruleSets) offerFile(site, path string, data []byte) {
	h := sha256.Sum256(data)
	r.mu.Lock()
	same := r.applied[path] == h
	r.mu.Unlock()
	if same {
		r.note(site, func(st *RuleStatus) { st.Refused = "" }) // back to the content running
		r.log.Info().Str("site", site).Str("source", path).Msg("rule set file unchanged since applied")
		return
	}
	set, err := rules.Parse(path, data, detect.Names())
	if r.apply(site, path, set, err) {
		r.mu.Lock()
		r.applied[path] = h
		r.mu.Unlock()
	}
}

// offerMessage handles a retained rules message from MQTT. The message
// last applied from the same topic is skipped quietly: the gateway sends a
// site's sets again when an edge reports it missed one, and every edge of
// the site receives them.
func (r *ruleSets) offerMessage(topic string, payload []byte) {
	h := sha256.Sum256(payload)
	r.mu.Lock()
	same := r.applied[topic] == h
	r.mu.Unlock()
	if same {
		return
	}
	set, err := rules.ParseMessage(topic, payload, detect.Names())
	site := strings.TrimSuffix(strings.TrimPrefix(topic, bus.Root+"/rules/"), "/shadow")
	ok := true
	if errors.Is(err, rules.ErrCleared) {
		r.an.DropShadow(site)
		r.note(site, func(st *RuleStatus) { st.Shadow = 0 })
		r.log.Info().Str("site", site).Msg("shadow rules retired")
	} else {
		ok = r.apply(site, "mqtt:"+topic, set, err)
	}
	if ok {
		r.mu.Lock()
		r.applied[topic] = h
		r.mu.Unlock()
	}
}

// apply applies a parsed set, or logs why it is refused; it reports
// whether the set now runs.
func (r *ruleSets) apply(site, source string, set *rules.Set, err error) bool {
	if err == nil {
		err = r.an.Rules(set)
	}
	if err != nil {
		r.log.Error().Str("site", site).Str("source", source).Strs("problems", ingest.Problems(err)).
			Msg("rule set refused; the running one stays")
		r.note(site, func(st *RuleStatus) { st.Refused = err.Error() })
		return false
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
		Strs("notes", notes(set)).Msg("rule set applied")
	return true
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
	select {
	case r.changed <- struct{}{}:
	default: // a status is already due
	}
}

// Versions tells, for each of sites, the rule set versions running there
// and whether the last set offered was refused.
func (r *ruleSets) Versions(sites []string) map[string]bus.RuleVersions {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]bus.RuleVersions, len(sites))
	for _, site := range sites {
		var v bus.RuleVersions
		if st, ok := r.status[site]; ok {
			v = bus.RuleVersions{Live: st.Live, Shadow: st.Shadow, Refused: st.Refused != ""}
		}
		out[site] = v
	}
	return out
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

// follow watches <dir>/<site>.yaml for each of sites — applying it now
// and whenever it changes, waiting quietly while it is missing — and its
// rule set topics, and stops following the sites no longer listed. The edge calls it at start
// and after every config change it applies, so a site added live gets its
// rules from its file like the others.
func (r *ruleSets) follow(sites []string) {
	r.fmu.Lock()
	defer r.fmu.Unlock()
	listed := make(map[string]bool, len(sites))
	for _, site := range sites {
		listed[site] = true
		if r.files[site] == nil {
			r.files[site] = r.watchFile(site)
			if r.bus != nil {
				r.bus.Subscribe(bus.RulesTopic(site), r.offerMessage)
				r.bus.Subscribe(bus.RulesShadowTopic(site), r.offerMessage)
			}
		}
	}
	for site, stop := range r.files {
		if !listed[site] {
			stop()
			delete(r.files, site)
			if r.bus != nil {
				r.bus.Unsubscribe(bus.RulesTopic(site))
				r.bus.Unsubscribe(bus.RulesShadowTopic(site))
			}
			r.log.Info().Str("site", site).Msg("site removed from the config: its rule set file and topics are no longer followed")
		}
	}
}

// watchFile starts the watcher of one site's file and returns its stop.
func (r *ruleSets) watchFile(site string) context.CancelFunc {
	path := filepath.Join(r.dir, site+".yaml")
	if _, err := os.Stat(path); err != nil {
		r.log.Info().Str("site", site).Str("file", path).Msg("no rule set file; waiting for one (or for argus/v1/rules/" + site + ")")
	}
	ctx, stop := context.WithCancel(r.ctx)
	w := watch.New(path, time.Second, func(data []byte) { r.offerFile(site, path, data) })
	w.OnError = func(error) {} // a missing file is waited for; refusals are logged by offerFile
	go w.Run(ctx)
	return stop
}

// notes are what validation noticed in set without refusing it (motion
// implied), as "file:line: field: note"; nil when none.
func notes(set *rules.Set) []string {
	var out []string
	for _, n := range set.Notes() {
		out = append(out, n.String())
	}
	return out
}

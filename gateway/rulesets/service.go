package rulesets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/gateway/store"
)

// Stages of a stored version (store.RuleSet.Stage).
const (
	// StageShadow is the version edges run beside the live one.
	StageShadow = store.StageShadow
	// StageLive is the version edges run.
	StageLive = store.StageLive
	// StageRetired is every other version, kept for rollback.
	StageRetired = store.StageRetired
)

// ErrConflict is wrapped by the errors that contradict the site's state
// (HTTP 409): a version not above the stored ones, no shadow to promote,
// a version already live, a document of another site.
var ErrConflict = errors.New("rules: conflict")

// Publisher publishes a retained message (the gateway's MQTT client); an
// empty payload clears the topic.
type Publisher interface {
	PublishRetained(topic string, payload []byte) error
}

// Service runs the rule-set workflow over the store and MQTT. Its methods
// are safe for concurrent use; changes are serialised, so that two
// operators cannot publish the same version.
type Service struct {
	st        store.Store
	pub       Publisher
	log       zerolog.Logger
	detectors []string
	now       func() time.Time

	mu sync.Mutex
}

// New makes a Service storing versions in st and publishing with pub.
func New(st store.Store, pub Publisher, log zerolog.Logger) *Service {
	return &Service{st: st, pub: pub, log: log.With().Str("component", "rulesets").Logger(),
		detectors: ruleset.EdgeDetectors, now: time.Now}
}

// View is a site's rule sets: the live and shadow versions (nil when
// none) and every stored version, newest first.
type View struct {
	Live     *store.RuleSet  `json:"live"`
	Shadow   *store.RuleSet  `json:"shadow"`
	Versions []store.RuleSet `json:"versions"`
}

// Get returns the site's rule sets.
func (s *Service) Get(ctx context.Context, site string) (View, error) {
	rows, err := s.st.RuleSets(ctx, site)
	if err != nil {
		return View{}, fmt.Errorf("rules: site %s: %w", site, err)
	}
	v := View{Versions: rows}
	if v.Versions == nil {
		v.Versions = []store.RuleSet{}
	}
	v.Live, v.Shadow = staged(rows, StageLive), staged(rows, StageShadow)
	return v, nil
}

// staged returns the newest version in stage, or nil.
func staged(rows []store.RuleSet, stage string) *store.RuleSet {
	for i := range rows {
		if rows[i].Stage == stage {
			r := rows[i]
			return &r
		}
	}
	return nil
}

// highest is the highest stored version, 0 when none.
func highest(rows []store.RuleSet) int {
	top := 0
	for _, r := range rows {
		top = max(top, r.Version)
	}
	return top
}

// Validate checks doc as the edge will: the same problems, as a
// *strict.Error with line, field and message, nothing stored. It also
// checks that the document is site's (ErrConflict otherwise) and that its
// shadow and version can be set on publication. It returns the version
// the document carries.
func (s *Service) Validate(site string, doc []byte) (int, error) {
	v, _, err := s.Check(site, doc)
	return v, err
}

// Check is Validate that also returns the document's notes: what the edge
// will do that its author may not expect (motion implied for fire, smoke
// or objects), each with its line and field (ruleset.Document.Notes).
func (s *Service) Check(site string, doc []byte) (int, []strict.Problem, error) {
	d, err := ruleset.Parse(site, doc, s.detectors)
	if err != nil {
		return 0, nil, err
	}
	if d.Site != site {
		return 0, nil, fmt.Errorf("%w: the document is the rule set of site %s, not of %s", ErrConflict, d.Site, site)
	}
	for _, shadow := range []bool{true, false} {
		if _, err := ruleset.SetStage(doc, shadow, d.Version); err != nil {
			return 0, nil, err
		}
	}
	return d.Version, d.Notes(), nil
}

// payload is doc as published on site's live or shadow topic under
// version, checked with the edge's own ParseMessage for that topic.
func (s *Service) payload(site, doc string, shadow bool, version int) (topic string, out []byte, err error) {
	out, err = ruleset.SetStage([]byte(doc), shadow, version)
	if err != nil {
		return "", nil, err
	}
	topic = ruleset.Topic(site, shadow)
	if _, err := ruleset.ParseMessage(topic, out, s.detectors); err != nil {
		return "", nil, err
	}
	return topic, out, nil
}

// publish publishes payload retained on topic, wrapping the error with
// what failed.
func (s *Service) publish(topic string, payload []byte) error {
	if err := s.pub.PublishRetained(topic, payload); err != nil {
		return fmt.Errorf("rules: publish on %s: %w", topic, err)
	}
	return nil
}

// stage changes a stored version's stage.
func (s *Service) stage(ctx context.Context, site string, version int, stage string) error {
	if err := s.st.SetRuleStage(ctx, site, version, stage); err != nil {
		return fmt.Errorf("rules: site %s version %d to %s: %w", site, version, stage, err)
	}
	return nil
}

// find returns the stored version, wrapping store.ErrNotFound.
func find(rows []store.RuleSet, site string, version int) (store.RuleSet, error) {
	for _, r := range rows {
		if r.Version == version {
			return r, nil
		}
	}
	return store.RuleSet{}, fmt.Errorf("rules: site %s has no version %d: %w", site, version, store.ErrNotFound)
}

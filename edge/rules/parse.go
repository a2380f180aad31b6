package rules

import (
	"github.com/argus-edge/argus/configs/ruleset"
)

// TopicPrefix is where rule sets are published, retained: the live set at
// TopicPrefix+<site> and the shadow set at TopicPrefix+<site>+"/shadow".
const TopicPrefix = ruleset.TopicPrefix

// ErrCleared is returned by ParseMessage for an empty payload: the
// retained message was cleared (for a shadow topic: the shadow set was
// retired, see Runner.DropShadow).
var ErrCleared = ruleset.ErrCleared

// Parse decodes, validates (configs/ruleset.Parse, whose messages these
// are) and compiles a rule set written in YAML or JSON. name only names
// the source in problems. detectors lists the valid detector names
// (detect.Names() on the edge); nil accepts any. Problems come back all
// at once as a *strict.Error.
func Parse(name string, data []byte, detectors []string) (*Set, error) {
	return compiled(ruleset.Parse(name, data, detectors))
}

// Topic is the retained topic of a site's live (or shadow) rule set.
func Topic(site string, shadow bool) string { return ruleset.Topic(site, shadow) }

// ParseMessage parses the payload of a retained rule-set message
// (configs/ruleset.ParseMessage): the set must name the topic's site and
// be shadow exactly when the topic is the shadow topic.
func ParseMessage(topic string, payload []byte, detectors []string) (*Set, error) {
	return compiled(ruleset.ParseMessage(topic, payload, detectors))
}

// LoadDir reads every <site>.yaml (or .yml, .json) in dir, keyed by site
// (configs/ruleset.LoadDir).
func LoadDir(dir string, detectors []string) (map[string]*Set, error) {
	docs, err := ruleset.LoadDir(dir, detectors)
	if err != nil {
		return nil, err
	}
	sets := make(map[string]*Set, len(docs))
	for site, d := range docs {
		sets[site] = compile(d)
	}
	return sets, nil
}

// compiled compiles a document that parsed, or passes the error on.
func compiled(d *ruleset.Document, err error) (*Set, error) {
	if err != nil {
		return nil, err
	}
	return compile(d), nil
}

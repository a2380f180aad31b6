package ruleset

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	_ "time/tzdata" // active hours need IANA zones even on edge boxes without /usr/share/zoneinfo

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
)

// TopicPrefix is where rule sets are published, retained: the live set at
// TopicPrefix+<site> (bus.RulesTopic) and the shadow set at
// TopicPrefix+<site>+"/shadow" (bus.RulesShadowTopic): one retained
// message per topic, so the two need a topic each.
const TopicPrefix = bus.Root + "/rules/"

// EdgeDetectors are the detector names the stock edge registers
// (detect.Names() in the edge binary). The gateway validates with them so
// that an operator sees the edge's own "unknown detector" message before
// publishing; deploy/rulescontract keeps the two lists equal.
var EdgeDetectors = []string{"fire", "health", "motion", "objects", "smoke"}

// ErrCleared is returned by ParseMessage for an empty payload: the
// retained message was cleared (for a shadow topic: the shadow set was
// retired).
var ErrCleared = errors.New("rules: retained rule set cleared (empty payload)")

// Parse decodes and validates a rule set written in YAML or JSON. name
// only names the source in problems (a file, or mqtt:<topic>). detectors
// lists the valid detector names (detect.Names() on the edge,
// EdgeDetectors on the gateway); nil accepts any name. Problems come back
// all at once as a *strict.Error.
func Parse(name string, data []byte, detectors []string) (*Document, error) {
	return parse(name, data, detectors, nil)
}

// parse is Parse with an extra check run before the problems are
// reported (the site matching the file name, the shadow flag matching the
// topic).
func parse(name string, data []byte, detectors []string, check func(*Document, *strict.Problems)) (*Document, error) {
	d := &Document{}
	ps := strict.Decode(name, data, d,
		strict.Root("a mapping with site, version and cameras"), strict.Unit("site's rule set"))
	if ps.Failed("") {
		return nil, ps.Err()
	}
	v := &validator{ps: ps, detectors: detectors}
	v.validate(d)
	if check != nil {
		check(d, ps)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	d.source, d.notes = name, v.notes
	return d, nil
}

// Topic is the retained topic of a site's live (or shadow) rule set.
func Topic(site string, shadow bool) string {
	if shadow {
		return bus.RulesShadowTopic(site)
	}
	return bus.RulesTopic(site)
}

// ParseMessage parses the payload of a retained rule-set message. The set
// must name the topic's site and be shadow exactly when the topic is the
// shadow topic. Problems name "mqtt:<topic>", the line and the field.
func ParseMessage(topic string, payload []byte, detectors []string) (*Document, error) {
	rest, ok := strings.CutPrefix(topic, TopicPrefix)
	site, shadowTopic := strings.CutSuffix(rest, "/shadow")
	if !ok || site == "" || strings.Contains(site, "/") {
		return nil, fmt.Errorf("rules: %q is not a rule-set topic (%s<site> or %s<site>/shadow)", topic, TopicPrefix, TopicPrefix)
	}
	if len(payload) == 0 {
		return nil, ErrCleared
	}
	return parse("mqtt:"+topic, payload, detectors, func(d *Document, ps *strict.Problems) {
		if d.Site != site && d.Site != "" {
			ps.Addf("site", "%q is not the site of topic %s", d.Site, topic)
		}
		switch {
		case d.Shadow && !shadowTopic:
			ps.Add("shadow", "a shadow set is published on "+Topic(site, true)+", not on the live topic")
		case !d.Shadow && shadowTopic:
			ps.Add("shadow", "the shadow topic takes only sets with shadow: true")
		}
	})
}

// ParseFile parses <site>.yaml (or .yml, .json) as a file holding a site's
// live set: its site must match the file name and it may not be a shadow.
func ParseFile(path string, data []byte, detectors []string) (*Document, error) {
	base := filepath.Base(path)
	site := strings.TrimSuffix(base, filepath.Ext(base))
	return parse(path, data, detectors, func(d *Document, ps *strict.Problems) {
		if d.Site != site && d.Site != "" {
			ps.Addf("site", "%q does not match the file name: %s holds site %s", d.Site, base, site)
		}
		if d.Shadow {
			ps.Add("shadow", "a file holds a site's live set; shadow sets are tried over MQTT")
		}
	})
}

// LoadDir reads every <site>.yaml (or .yml, .json) in dir, keyed by site.
// A file's site must match its name. Problems of all files come back
// together, each naming its file.
func LoadDir(dir string, detectors []string) (map[string]*Document, error) {
	return strict.LoadSites(dir, "rules", func(path string, data []byte) (*Document, string, error) {
		d, err := ParseFile(path, data, detectors)
		if err != nil {
			return nil, "", err
		}
		return d, d.Site, nil
	})
}

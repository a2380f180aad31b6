package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/argus-edge/argus/configs/strict"
	_ "time/tzdata" // active hours need IANA zones even on edge boxes without /usr/share/zoneinfo
)

// TopicPrefix is where rule sets are published, retained: the live set at
// TopicPrefix+<site> and the shadow set at TopicPrefix+<site>+"/shadow"
// (one retained message per topic, so the two need a topic each).
const TopicPrefix = "argus/v1/rules/"

// ErrCleared is returned by ParseMessage for an empty payload: the
// retained message was cleared (for a shadow topic: the shadow set was
// retired, see Runner.DropShadow).
var ErrCleared = errors.New("rules: retained rule set cleared (empty payload)")

// Parse decodes, validates and compiles a rule set written in YAML or
// JSON. name only names the source in problems (a file, or
// mqtt:<topic>). detectors lists the valid detector names (detect.Names()
// on the edge); nil accepts any name, for tools that do not link the
// detector plugins. Problems come back all at once as a *strict.Error.
func Parse(name string, data []byte, detectors []string) (*Set, error) {
	return parse(name, data, detectors, nil)
}

// parse is Parse with an extra check run before the problems are
// reported (the site matching the file name, the shadow flag matching the
// topic).
func parse(name string, data []byte, detectors []string, check func(*Set, *strict.Problems)) (*Set, error) {
	s := &Set{}
	ps := strict.Decode(name, data, s,
		strict.Root("a mapping with site, version and cameras"), strict.Unit("site's rule set"))
	if ps.Failed("") {
		return nil, ps.Err()
	}
	(&validator{ps: ps, detectors: detectors}).validate(s)
	if check != nil {
		check(s, ps)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	s.source = name
	return s, nil
}

// Topic is the retained topic of a site's live (or shadow) rule set.
func Topic(site string, shadow bool) string {
	if shadow {
		return TopicPrefix + site + "/shadow"
	}
	return TopicPrefix + site
}

// ParseMessage parses the payload of a retained rule-set message. The set
// must name the topic's site and be shadow exactly when the topic is the
// shadow topic. Problems name "mqtt:<topic>", the line and the field.
func ParseMessage(topic string, payload []byte, detectors []string) (*Set, error) {
	rest, ok := strings.CutPrefix(topic, TopicPrefix)
	site, shadowTopic := strings.CutSuffix(rest, "/shadow")
	if !ok || site == "" || strings.Contains(site, "/") {
		return nil, fmt.Errorf("rules: %q is not a rule-set topic (%s<site> or %s<site>/shadow)", topic, TopicPrefix, TopicPrefix)
	}
	if len(payload) == 0 {
		return nil, ErrCleared
	}
	return parse("mqtt:"+topic, payload, detectors, func(s *Set, ps *strict.Problems) {
		if s.Site != site && s.Site != "" {
			ps.Addf("site", "%q is not the site of topic %s", s.Site, topic)
		}
		switch {
		case s.Shadow && !shadowTopic:
			ps.Add("shadow", "a shadow set is published on "+Topic(site, true)+", not on the live topic")
		case !s.Shadow && shadowTopic:
			ps.Add("shadow", "the shadow topic takes only sets with shadow: true")
		}
	})
}

// LoadDir reads every <site>.yaml (or .yml, .json) in dir, keyed by site.
// A file's site must match its name. Problems of all files come back
// together, each naming its file.
func LoadDir(dir string, detectors []string) (map[string]*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rules: load %s: %w", dir, err)
	}
	sets := map[string]*Set{}
	var errs []error
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || !slices.Contains([]string{".yaml", ".yml", ".json"}, ext) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("rules: %w", err))
			continue
		}
		site := strings.TrimSuffix(e.Name(), ext)
		s, err := parse(path, data, detectors, func(s *Set, ps *strict.Problems) {
			if s.Site != site && s.Site != "" {
				ps.Addf("site", "%q does not match the file name: %s holds site %s", s.Site, e.Name(), site)
			}
			if s.Shadow {
				ps.Add("shadow", "a file holds a site's live set; shadow sets are tried over MQTT")
			}
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := sets[site]; dup {
			errs = append(errs, fmt.Errorf("rules: %s: site %s is already loaded from another file", path, site))
			continue
		}
		sets[site] = s
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return sets, nil
}

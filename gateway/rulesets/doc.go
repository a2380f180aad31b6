// Package rulesets is the operator's rule-set workflow on the gateway:
// validate a site's rule set with the edge's own messages
// (configs/ruleset), try it as a shadow beside the live set, promote it,
// roll back to an older version, retire the shadow, and compare what live
// and shadow alerted. Every version is kept in the store (gateway/store);
// edges receive sets as retained MQTT messages, on bus.RulesTopic(site)
// for the live set and bus.RulesShadowTopic(site) for the shadow.
//
// What the edge accepts shapes every publication (edge/rules,
// edge/watchers.go): the payload names the topic's site, says shadow: true
// exactly on the shadow topic, and carries a version above the one the
// edge runs in that mode (live and shadow compared separately); an empty
// retained payload on the shadow topic retires the shadow. So:
//   - versions only grow: a submitted version must be above every stored
//     version of the site, and a rollback republishes the old content
//     under the next version (the edge refuses a version it has seen);
//   - the stage, not the document's own shadow field, says where a
//     version runs: ruleset.SetStage rewrites shadow and version in the
//     published text, keeping the operator's comments and layout;
//   - every payload is parsed with ruleset.ParseMessage for its topic
//     before it is published, the edge's own check.
//
// Publication comes before the store write: if the broker refuses,
// nothing changed anywhere and the operator retries; if the store fails
// after a publication, a retry publishes the same version again (edges
// refuse it as not newer, harmlessly) and records it.
//
// It speaks HTTP to no one: gateway/api calls it.
package rulesets

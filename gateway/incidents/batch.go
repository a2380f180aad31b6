package incidents

import (
	"context"
	"slices"

	"github.com/argus-edge/argus/gateway/store"
)

// ObserveBatch groups applied records in order, deciding as Observe does
// one by one, and writes what changed in one transaction: each incident
// touched once, its latest copy with every member it gained and every new
// timeline line (a typhoon's batch of 500 offline cameras of one site is
// one write of its outage, not 500). offWall[i] is Observe's answer for
// recs[i]. As Observe, it groups only while this replica leads (else it
// keeps the records for a takeover), the write keeps people's state,
// owner and notes as stored (the engine then follows them: a person's
// action through another replica lands after the batch, as it could
// after a record), and Dispatch hears of each fire joining a fire area,
// in order, after the write. A failed write is logged and counted, as
// Observe's is.
func (s *Service) ObserveBatch(recs []store.Anomaly) (offWall []bool) {
	offWall, fires := s.observeBatch(recs)
	if s.dispatch != nil {
		for _, f := range fires {
			s.dispatch(f.incident, f.a, func(text string) { s.patrolLine(f.incident, f.a, text) })
		}
	}
	return offWall
}

// fireJoin is a fire or smoke that joined a fire area incident, for Dispatch.
type fireJoin struct {
	incident string
	a        store.Anomaly
}

// observeBatch groups recs under the lock and writes the changes.
func (s *Service) observeBatch(recs []store.Anomaly) (offWall []bool, fires []fireJoin) {
	s.mu.Lock()
	defer s.mu.Unlock()
	offWall = make([]bool, len(recs))
	if !s.lead() {
		for _, a := range recs {
			s.keep(a)
		}
		return offWall, nil
	}
	var m merger
	for i, a := range recs {
		fire := ""
		for _, ch := range s.eng.Observe(a) {
			m.add(ch, s.urgent(ch))
			joined := ch.Incident.Merged == "" && slices.ContainsFunc(ch.Added, func(mb store.IncidentMember) bool { return mb.Anomaly == a.ID })
			if joined && (ch.Incident.Rule == store.RuleOutage || ch.Incident.Rule == store.RuleArea && ch.Outranked) {
				offWall[i] = true
			}
			if joined && ch.Incident.Rule == store.RuleArea && a.Verifies == "" {
				fire = ch.Incident.ID
			}
		}
		if fire != "" {
			fires = append(fires, fireJoin{fire, a})
		}
	}
	s.writeMerged(m.merged)
	return offWall, fires
}

// mergedChange is every change of one incident in a batch.
type mergedChange struct {
	Change
	urgent bool
}

// merger folds a batch's changes into one per incident, in the order
// first changed. A member moved between incidents within the batch stays
// only in its last one's Added: that is where sequential writes leave it.
type merger struct {
	merged   []*mergedChange
	byID     map[string]*mergedChange
	memberOf map[string]*mergedChange // anomaly id → the change it was last added by
}

func (m *merger) add(ch Change, urgent bool) {
	if m.byID == nil {
		m.byID, m.memberOf = map[string]*mergedChange{}, map[string]*mergedChange{}
	}
	mc, ok := m.byID[ch.Incident.ID]
	if !ok {
		mc = &mergedChange{}
		m.byID[ch.Incident.ID] = mc
		m.merged = append(m.merged, mc)
	}
	for _, mb := range ch.Added {
		if prev := m.memberOf[mb.Anomaly]; prev != nil && prev != mc {
			prev.Added = slices.DeleteFunc(prev.Added, func(x store.IncidentMember) bool { return x.Anomaly == mb.Anomaly })
		}
		m.memberOf[mb.Anomaly] = mc
	}
	mc.Incident = ch.Incident
	mc.Added = append(mc.Added, ch.Added...)
	mc.Entries = append(mc.Entries, ch.Entries...)
	mc.Created = mc.Created || ch.Created
	mc.urgent = mc.urgent || urgent
}

// writeMerged stores the merged changes in one transaction, has the
// engine follow what people set, and tells the listeners. Under mu.
func (s *Service) writeMerged(merged []*mergedChange) {
	if len(merged) == 0 {
		return
	}
	changes := make([]store.IncidentChange, len(merged))
	for i, mc := range merged {
		changes[i] = store.IncidentChange{Incident: mc.Incident, Added: mc.Added, Entries: mc.Entries}
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	written, err := s.st.PutIncidents(ctx, changes)
	if err != nil {
		s.failed.Add(uint64(len(changes)))
		s.log.Error().Err(err).Int("incidents", len(changes)).Msg("incident changes not stored")
	}
	for i, w := range written {
		// People's state, owner and notes as stored (set perhaps through
		// another replica): the engine follows them.
		merged[i].Incident = w
		s.eng.Acted(w)
	}
	chs, urgent := make([]Change, len(merged)), make([]bool, len(merged))
	for i, mc := range merged {
		s.logOpened(mc.Change)
		chs[i], urgent[i] = mc.Change, mc.urgent
	}
	s.tellAll(chs, urgent)
}

package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// testAudit appends entries and reads them back filtered and paged.
func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	entries := []store.AuditEntry{
		{Who: "ann", Role: "operator", Action: "rules.shadow", Object: "north", Site: "north", Status: 200},
		{Who: "ann", Role: "operator", Action: "rules.promote", Object: "north", Site: "north", Status: 200},
		{Who: "bob", Role: "commander", Action: "anomaly.ack", Object: "a1", Site: "south", Status: 200},
		{Who: "anonymous", Action: "login", Status: 401, Detail: "wrong user or password", Addr: "203.0.113.9", Count: 1234},
		{Who: "bob", Role: "commander", Action: "rulesets.x", Object: "x", Site: "north", Status: 403},
		{Who: "cat", Role: "admin", Action: "rules.rollback", Object: "south", Site: "south", Status: 200},
	}
	for i, e := range entries {
		e.Time = t0.Add(time.Duration(i) * time.Second)
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		q    store.AuditQuery
		want []string // actions, newest first
	}{
		{"all", store.AuditQuery{}, []string{"rules.rollback", "rulesets.x", "login", "anomaly.ack", "rules.promote", "rules.shadow"}},
		{"action prefix", store.AuditQuery{Action: "rules."}, []string{"rules.rollback", "rules.promote", "rules.shadow"}},
		{"prefix is case-sensitive", store.AuditQuery{Action: "Rules."}, nil},
		{"prefix wildcards are literal", store.AuditQuery{Action: "rules%"}, nil},
		{"who", store.AuditQuery{Who: "bob"}, []string{"rulesets.x", "anomaly.ack"}},
		{"site", store.AuditQuery{Site: "south"}, []string{"rules.rollback", "anomaly.ack"}},
		{"period", store.AuditQuery{From: t0.Add(time.Second), To: t0.Add(3 * time.Second)}, []string{"anomaly.ack", "rules.promote"}},
	}
	for _, c := range cases {
		page, err := s.AuditLog(ctx, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := actions(page.Items); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	var got []string
	q := store.AuditQuery{Limit: 4}
	for {
		page, err := s.AuditLog(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, actions(page.Items)...)
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if len(got) != len(entries) || got[0] != "rules.rollback" || got[len(got)-1] != "rules.shadow" {
		t.Errorf("paged: %v", got)
	}
	// An aggregate keeps its address and count; a plain entry counts 1.
	page, err := s.AuditLog(ctx, store.AuditQuery{Who: "anonymous"})
	if err != nil || len(page.Items) != 1 || page.Items[0].Addr != "203.0.113.9" || page.Items[0].Count != 1234 {
		t.Errorf("aggregate entry: %+v %v", page.Items, err)
	}
	page, err = s.AuditLog(ctx, store.AuditQuery{Who: "cat"})
	if err != nil || len(page.Items) != 1 || page.Items[0].Count != 1 {
		t.Errorf("plain entry: %+v %v", page.Items, err)
	}
	if _, err := s.AuditLog(ctx, store.AuditQuery{Cursor: "zzz"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad cursor: %v", err)
	}
}

// actions lists the entries' actions.
func actions(es []store.AuditEntry) []string {
	var a []string
	for _, e := range es {
		a = append(a, e.Action)
	}
	return a
}

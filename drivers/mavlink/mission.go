package mavlink

import (
	"context"
	"fmt"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// exchange is one mission transaction's wait for answers: each wait lasts
// ItemTimeout, after which the last message is resent, up to Retries
// times, and never longer than TransactionTimeout without progress.
type exchange struct {
	v        *Vehicle
	l        *listener
	what     string // what is awaited, for the error
	progress time.Time
	tries    int
}

func (v *Vehicle) exchange(t MissionType) *exchange {
	us := uint8(v.n.opts.SystemID)
	l := v.listen(func(m message.Message) bool {
		switch m := m.(type) {
		case *common.MessageMissionRequestInt:
			return m.MissionType == t && m.TargetSystem == us
		case *common.MessageMissionRequest:
			return m.MissionType == t && m.TargetSystem == us
		case *common.MessageMissionAck:
			return m.MissionType == t && m.TargetSystem == us
		case *common.MessageMissionCount:
			return m.MissionType == t && m.TargetSystem == us
		case *common.MessageMissionItemInt:
			return m.MissionType == t && m.TargetSystem == us
		}
		return false
	})
	return &exchange{v: v, l: l, progress: time.Now()}
}

func (x *exchange) close() { x.v.unlisten(x.l) }

// await returns the next matching message; on timeout it calls resend and
// waits again, until the retries or the transaction's time run out.
func (x *exchange) await(ctx context.Context, resend func() error) (message.Message, error) {
	o := &x.v.n.opts
	t := time.NewTimer(o.ItemTimeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-x.v.n.stop:
			return nil, ErrClosed
		case m := <-x.l.ch:
			return m, nil
		case <-t.C:
			if x.tries >= o.Retries || time.Since(x.progress) >= o.TransactionTimeout {
				return nil, fmt.Errorf("%w: waited for %s, %d resends over %s",
					ErrNoAnswer, x.what, x.tries, time.Since(x.progress).Round(100*time.Millisecond))
			}
			x.tries++
			if err := resend(); err != nil {
				return nil, err
			}
			t.Reset(o.ItemTimeout)
		}
	}
}

// advanced notes progress: the retry budget starts again.
func (x *exchange) advanced(what string) {
	x.progress, x.tries, x.what = time.Now(), 0, what
}

// Upload writes items as the vehicle's mission, fence or rally list:
// MISSION_COUNT, then each MISSION_ITEM_INT the vehicle asks for with
// MISSION_REQUEST_INT (or MISSION_REQUEST), until its MISSION_ACK. A
// refusal is a *MissionError naming the vehicle's reason; silence is
// ErrNoAnswer after the timeouts and retries.
func (v *Vehicle) Upload(ctx context.Context, t MissionType, items []Item) error {
	v.missionMu.Lock()
	defer v.missionMu.Unlock()
	if len(items) > 65535 {
		return fmt.Errorf("vehicle %d: upload %s: %d items, MAVLink counts to 65535", v.sysid, typeName(t), len(items))
	}
	x := v.exchange(t)
	defer x.close()
	sys, comp := v.target()
	last := message.Message(&common.MessageMissionCount{TargetSystem: sys, TargetComponent: comp,
		Count: uint16(len(items)), MissionType: t})
	resend := func() error { return v.send(last) }
	x.advanced("the first MISSION_REQUEST_INT")
	if err := resend(); err != nil {
		return fmt.Errorf("vehicle %d: upload %s: %w", v.sysid, typeName(t), err)
	}
	sent := map[int]bool{}
	for {
		m, err := x.await(ctx, resend)
		if err != nil {
			return fmt.Errorf("vehicle %d: upload %s (%d of %d items sent): %w", v.sysid, typeName(t), len(sent), len(items), err)
		}
		seq := -1
		switch m := m.(type) {
		case *common.MessageMissionRequestInt:
			seq = int(m.Seq)
		case *common.MessageMissionRequest:
			seq = int(m.Seq)
		case *common.MessageMissionAck:
			if m.Type != common.MAV_MISSION_ACCEPTED {
				return fmt.Errorf("vehicle %d: %w", v.sysid, &MissionError{Op: "upload", Type: t, Result: m.Type})
			}
			if len(sent) < len(items) {
				// An ACCEPTED before every item went is the answer to an
				// older transaction; ours is not done.
				continue
			}
			return nil
		}
		if seq < 0 || seq >= len(items) {
			continue
		}
		last = items[seq].message(seq, t, sys, comp)
		if !sent[seq] {
			// Only a new item is progress: a vehicle asking again and
			// again for the same one does not keep the transaction alive.
			sent[seq] = true
			x.advanced(fmt.Sprintf("the request after item %d", seq))
		}
		if err := resend(); err != nil {
			return fmt.Errorf("vehicle %d: upload %s: %w", v.sysid, typeName(t), err)
		}
	}
}

// Download reads the vehicle's mission, fence or rally list back:
// MISSION_REQUEST_LIST, MISSION_COUNT, then MISSION_REQUEST_INT for each
// item, and a MISSION_ACK at the end.
func (v *Vehicle) Download(ctx context.Context, t MissionType) ([]Item, error) {
	v.missionMu.Lock()
	defer v.missionMu.Unlock()
	x := v.exchange(t)
	defer x.close()
	sys, comp := v.target()
	fail := func(err error) ([]Item, error) {
		return nil, fmt.Errorf("vehicle %d: download %s: %w", v.sysid, typeName(t), err)
	}
	var last message.Message = &common.MessageMissionRequestList{TargetSystem: sys, TargetComponent: comp, MissionType: t}
	resend := func() error { return v.send(last) }
	x.advanced("MISSION_COUNT")
	if err := resend(); err != nil {
		return fail(err)
	}
	count := -1
	for count < 0 {
		m, err := x.await(ctx, resend)
		if err != nil {
			return fail(err)
		}
		switch m := m.(type) {
		case *common.MessageMissionCount:
			count = int(m.Count)
		case *common.MessageMissionAck:
			if m.Type != common.MAV_MISSION_ACCEPTED {
				return nil, fmt.Errorf("vehicle %d: %w", v.sysid, &MissionError{Op: "download", Type: t, Result: m.Type})
			}
		}
	}
	items := make([]Item, 0, count)
	for seq := 0; seq < count; {
		last = &common.MessageMissionRequestInt{TargetSystem: sys, TargetComponent: comp, Seq: uint16(seq), MissionType: t}
		x.advanced(fmt.Sprintf("item %d of %d", seq, count))
		if err := resend(); err != nil {
			return fail(err)
		}
		for {
			m, err := x.await(ctx, resend)
			if err != nil {
				return fail(err)
			}
			if it, ok := m.(*common.MessageMissionItemInt); ok && int(it.Seq) == seq {
				items = append(items, ItemOf(it))
				seq++
				break
			}
			if a, ok := m.(*common.MessageMissionAck); ok && a.Type != common.MAV_MISSION_ACCEPTED {
				return nil, fmt.Errorf("vehicle %d: %w", v.sysid, &MissionError{Op: "download", Type: t, Result: a.Type})
			}
		}
	}
	if err := v.send(&common.MessageMissionAck{TargetSystem: sys, TargetComponent: comp,
		Type: common.MAV_MISSION_ACCEPTED, MissionType: t}); err != nil {
		return fail(err)
	}
	return items, nil
}

// Clear empties the vehicle's mission, fence or rally list
// (MISSION_CLEAR_ALL, answered by MISSION_ACK).
func (v *Vehicle) Clear(ctx context.Context, t MissionType) error {
	v.missionMu.Lock()
	defer v.missionMu.Unlock()
	x := v.exchange(t)
	defer x.close()
	sys, comp := v.target()
	msg := &common.MessageMissionClearAll{TargetSystem: sys, TargetComponent: comp, MissionType: t}
	resend := func() error { return v.send(msg) }
	x.advanced("MISSION_ACK")
	if err := resend(); err != nil {
		return fmt.Errorf("vehicle %d: clear %s: %w", v.sysid, typeName(t), err)
	}
	for {
		m, err := x.await(ctx, resend)
		if err != nil {
			return fmt.Errorf("vehicle %d: clear %s: %w", v.sysid, typeName(t), err)
		}
		if a, ok := m.(*common.MessageMissionAck); ok {
			if a.Type != common.MAV_MISSION_ACCEPTED {
				return fmt.Errorf("vehicle %d: %w", v.sysid, &MissionError{Op: "clear", Type: t, Result: a.Type})
			}
			return nil
		}
	}
}

package mavlink

import (
	"context"
	"fmt"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Arm arms the motors (MAV_CMD_COMPONENT_ARM_DISARM).
func (v *Vehicle) Arm(ctx context.Context) error {
	return v.Command(ctx, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
}

// Disarm disarms the motors; the vehicle refuses while flying.
func (v *Vehicle) Disarm(ctx context.Context) error {
	return v.Command(ctx, common.MAV_CMD_COMPONENT_ARM_DISARM, 0)
}

// SetMode switches the flight mode by its ArduCopter name (AUTO, GUIDED,
// RTL, LAND, LOITER…) with MAV_CMD_DO_SET_MODE.
func (v *Vehicle) SetMode(ctx context.Context, mode string) error {
	num, ok := ModeNumber(mode)
	if !ok {
		return fmt.Errorf("vehicle %d: set mode: %q is not an ArduCopter mode", v.sysid, mode)
	}
	return v.Command(ctx, common.MAV_CMD_DO_SET_MODE, float32(minimal.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED), float32(num))
}

// StartMission starts the uploaded mission from its first item
// (MAV_CMD_MISSION_START); the vehicle must be armed.
func (v *Vehicle) StartMission(ctx context.Context) error {
	return v.Command(ctx, common.MAV_CMD_MISSION_START, 0, 0)
}

// ReturnToLaunch sends the vehicle home (MAV_CMD_NAV_RETURN_TO_LAUNCH).
func (v *Vehicle) ReturnToLaunch(ctx context.Context) error {
	return v.Command(ctx, common.MAV_CMD_NAV_RETURN_TO_LAUNCH)
}

// Takeoff climbs to alt metres above home (MAV_CMD_NAV_TAKEOFF, in GUIDED).
func (v *Vehicle) Takeoff(ctx context.Context, alt float64) error {
	return v.Command(ctx, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, float32(alt))
}

// Command sends COMMAND_LONG with up to seven params and waits for its
// COMMAND_ACK. Unanswered, it is resent with the confirmation field raised
// (per the command protocol); IN_PROGRESS extends the wait. A result other
// than ACCEPTED is a *CommandError.
func (v *Vehicle) Command(ctx context.Context, cmd common.MAV_CMD, params ...float32) error {
	var p [7]float32
	copy(p[:], params)
	v.cmdMu.Lock()
	defer v.cmdMu.Unlock()
	us := uint8(v.n.opts.SystemID)
	l := v.listen(func(m message.Message) bool {
		a, ok := m.(*common.MessageCommandAck)
		return ok && a.Command == cmd && (a.TargetSystem == 0 || a.TargetSystem == us)
	})
	defer v.unlisten(l)
	sys, comp := v.target()
	for try := 0; try <= v.n.opts.Retries; try++ {
		msg := &common.MessageCommandLong{TargetSystem: sys, TargetComponent: comp, Command: cmd,
			Confirmation: uint8(try), Param1: p[0], Param2: p[1], Param3: p[2], Param4: p[3],
			Param5: p[4], Param6: p[5], Param7: p[6]}
		if err := v.send(msg); err != nil {
			return fmt.Errorf("vehicle %d: %s: %w", v.sysid, cmd, err)
		}
		res, err := v.awaitAck(ctx, l)
		if err != nil {
			return fmt.Errorf("vehicle %d: %s: %w", v.sysid, cmd, err)
		}
		if res == nil {
			continue // timed out: resend
		}
		if *res != common.MAV_RESULT_ACCEPTED {
			return fmt.Errorf("vehicle %d: %w", v.sysid, &CommandError{Cmd: cmd, Result: *res})
		}
		return nil
	}
	return fmt.Errorf("vehicle %d: %s: %w (%d tries, %s each)", v.sysid, cmd, ErrNoAnswer, v.n.opts.Retries+1, v.n.opts.CommandTimeout)
}

// awaitAck waits for the final result of one try, nil on timeout.
func (v *Vehicle) awaitAck(ctx context.Context, l *listener) (*common.MAV_RESULT, error) {
	t := time.NewTimer(v.n.opts.CommandTimeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-v.n.stop:
			return nil, ErrClosed
		case <-t.C:
			return nil, nil
		case m := <-l.ch:
			a := m.(*common.MessageCommandAck)
			if a.Result == common.MAV_RESULT_IN_PROGRESS {
				t.Reset(3 * v.n.opts.CommandTimeout)
				continue
			}
			r := a.Result
			return &r, nil
		}
	}
}

package mavlink

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
)

// KeySize is the length of a MAVLink 2 signing key (the spec's secret key).
const KeySize = 32

// Reasons a frame is refused by a node that signs (the reason label of
// argus_mavlink_unsigned_frames_total).
const (
	// RejectUnsigned is a frame without a signature (or a MAVLink 1 frame).
	RejectUnsigned = "unsigned"
	// RejectWrongKey is a frame signed with another key, or altered.
	RejectWrongKey = "wrong_key"
	// RejectReplayed is a validly signed frame whose timestamp is not newer
	// than the last one of its stream, or, first of its stream, more than
	// a minute behind our clock: a replay.
	RejectReplayed = "replayed"
)

var rejectReasons = []string{RejectUnsigned, RejectWrongKey, RejectReplayed}

// rejectLogEvery bounds the warnings about refused frames to one per link
// per period, whatever the rate of frames.
const rejectLogEvery = 10 * time.Second

// signatureReason tells the parse errors gomavlib reports for a signing
// failure (its frame.Reader with InKey set) from plain corruption.
func signatureReason(err error) (string, bool) {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "signature not present"), strings.Contains(msg, "signature required"):
		return RejectUnsigned, true
	case strings.Contains(msg, "wrong signature"):
		return RejectWrongKey, true
	case strings.Contains(msg, "signature timestamp is too old"):
		return RejectReplayed, true
	}
	return "", false
}

// rejects counts refused frames by reason and throttles their warnings
// per link (gomavlib endpoint): a forger must never flood the log.
type rejects struct {
	mu      sync.Mutex
	counts  map[string]uint64
	lastLog map[gomavlib.Endpoint]time.Time
}

func newRejects() *rejects {
	return &rejects{counts: map[string]uint64{}, lastLog: map[gomavlib.Endpoint]time.Time{}}
}

// add counts one refused frame on ep and tells whether to log it now.
func (r *rejects) add(ep gomavlib.Endpoint, reason string, now time.Time) (total uint64, logNow bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[reason]++
	if now.Sub(r.lastLog[ep]) >= rejectLogEvery {
		r.lastLog[ep] = now
		logNow = true
	}
	return r.counts[reason], logNow
}

func (r *rejects) snapshot() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]uint64, len(rejectReasons))
	for _, k := range rejectReasons {
		out[k] = r.counts[k]
	}
	return out
}

// stream is the spec's signing stream: (system id, component id, link id).
type stream struct{ sys, comp, link byte }

// stamp is the newest timestamp of a stream and the signatures seen with
// it: gomavlib's writer gives frames sent within the same 10 µs the same
// timestamp (the spec would have it add one), so an equal timestamp is a
// replay only when its signature was already seen.
type stamp struct {
	ts   uint64
	sigs []frame.V2Signature
}

// replayGuard applies the spec's timestamp rule per stream, which
// gomavlib does not: its reader keeps one newest timestamp per channel
// and accepts anything up to 10 s older than that, so a frame captured
// in the last 10 s, or any frame on a fresh channel, would pass.
type replayGuard struct {
	mu      sync.Mutex
	streams map[stream]*stamp
}

// maxSkew is how far behind our clock the first timestamp of a stream may
// be (the spec's one minute; a timestamp ahead of our clock is fine: only
// a key holder can make one).
const maxSkew = uint64(time.Minute / (10 * time.Microsecond))

// signingEpoch is the zero of signature timestamps (1 January 2015 UTC).
var signingEpoch = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

// fresh tells whether a signed frame is new on its stream, and records it.
// Frames without a signature never get here when the node has a key.
func (g *replayGuard) fresh(f *frame.V2Frame, now time.Time) bool {
	if f.Signature == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	k := stream{f.SystemID, f.ComponentID, f.SignatureLinkID}
	s := g.streams[k]
	switch {
	case s == nil:
		ours := uint64(now.Sub(signingEpoch) / (10 * time.Microsecond))
		if f.SignatureTimestamp+maxSkew < ours {
			return false // as the spec's C library: older than a minute behind us
		}
		g.streams[k] = &stamp{ts: f.SignatureTimestamp, sigs: []frame.V2Signature{*f.Signature}}
	case f.SignatureTimestamp > s.ts:
		s.ts, s.sigs = f.SignatureTimestamp, append(s.sigs[:0], *f.Signature)
	case f.SignatureTimestamp == s.ts:
		for _, sig := range s.sigs {
			if bytes.Equal(sig[:], f.Signature[:]) {
				return false
			}
		}
		s.sigs = append(s.sigs, *f.Signature)
	default:
		return false
	}
	return true
}

// Package decode turns a camera's H.264 or H.265 access units into pictures
// for the detectors: libavcodec through cgo, one single-threaded decoder per
// camera (the edge gets its parallelism from its many cameras).
//
// A Decoder has two modes. Idle watches a camera cheaply: keyframes only,
// luma only, with libav told to discard everything else. Active decodes every
// frame and converts it to BGR with libswscale. Every picture also carries a
// small one (frame.Small: block averages, longest side 320 px, in colour in
// Active mode) made straight from libav's planes; SetFullBGR(false) leaves
// the full-size BGR out for detectors that need only the small picture.
// For a snapshot, JPEG encodes the last Active picture straight from
// libav's planes with libavcodec's MJPEG encoder, and Colour makes the
// full-size BGR afterwards for one frame, for the pictures JPEG refuses. Switching from Idle
// to Active mid-stream skips units until the next keyframe, because a
// P-frame decoded without its references is garbage that would look like
// motion.
//
// Corrupt input never crashes the process: units are checked before they
// reach C (empty, larger than MaxUnitBytes), libav's failures come back as
// errors carrying libav's own explanation, pictures libav flags as damaged
// or concealed are dropped with an error, and after any such error the
// decoder waits for the next keyframe, which it starts with a fresh codec
// context. One limit is libav's: its HEVC decoder notices neither a slice
// cut short nor one read with another stream's parameter sets, so such a
// picture comes out garbled rather than as an error. libav's log lines during a decoder's
// calls are folded into its errors instead of being printed; other libav
// users in the process keep libav's default logging.
//
// Memory: libav owns every C allocation and reuses its picture pool and the
// decoder's padded input buffer, so a steady stream allocates nothing in C
// per frame; in Active mode the last picture handed out stays referenced
// (one more picture in libav's pool) until the next, for JPEG and Colour.
// Each Frame's planes are Go slices the caller owns; handing them back with
// Release lets the next frames reuse them.
//
// decode imports drivers/media and edge/frame only.
package decode

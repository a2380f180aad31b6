// Package rtsp pulls one camera's RTSP feed with gortsplib and hands each
// complete access unit, with the RTP packets that carried it, to a callback.
// One Pull is one attempt: the caller owns reconnection (see edge/ingest).
//
// rtsp imports drivers/media only; it knows nothing of edge or gateway.
package rtsp

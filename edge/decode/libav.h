// The C half of package decode: everything that touches libav structs
// lives here so that the Go side only passes plain numbers and byte
// pointers across the boundary.
#ifndef ARGUS_DECODE_LIBAV_H
#define ARGUS_DECODE_LIBAV_H

#include <stdint.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>

enum {
	ARGUS_EAGAIN = AVERROR(EAGAIN),
	ARGUS_EOF = AVERROR_EOF,
	ARGUS_ENOMEM = AVERROR(ENOMEM),
	ARGUS_ENOSYS = AVERROR(ENOSYS),
};

// argus_dec is one camera's decoder. It is allocated once by argus_open and
// owns every libav object it points to; the Go Decoder holds the pointer and
// frees it with argus_close.
typedef struct argus_dec {
	int hevc;
	AVCodecContext *ctx;
	AVPacket *pkt;       // reused for every send; never owns its buffer
	AVFrame *frame;      // the decoded picture, owned by the decoder's pool
	AVFrame *last;       // the last picture handed out, kept for argus_convert_last
	uint8_t *uv;         // scratch for the small picture's chroma
	int uv_size;
	AVBufferRef *in;     // padded input buffer, reused while writable
	struct SwsContext *sws;
	int sws_w, sws_h, sws_fmt, sws_dst, sws_cs, sws_range;
	AVCodecContext *jpeg; // the snapshot encoder (jpeg.c), opened on first use
	AVFrame *jframe;      // the snapshot's full-range picture
	AVPacket *jpkt;       // the snapshot's JPEG
	int jpeg_q;
	int64_t jpeg_pts;
	char msg[256];       // most severe libav log line of the current call
	int msg_level;
} argus_dec;

void argus_init(void);
argus_dec *argus_open(int hevc, int *err);
void argus_close(argus_dec *d);
int argus_reset(argus_dec *d);
void argus_set_idle(argus_dec *d, int idle, int skip_loop_filter);
uint8_t *argus_input(argus_dec *d, int size);
int argus_send(argus_dec *d, int size, int64_t pts, int drain);
int argus_receive(argus_dec *d);
void argus_flush(argus_dec *d);
int argus_luma8(argus_dec *d);
int argus_convert(argus_dec *d, uint8_t *dst, int dst_fmt);
void argus_keep(argus_dec *d);
int argus_convert_last(argus_dec *d, uint8_t *dst);
void argus_box(const uint8_t *src, int stride, int w, int h, int ch, int k, uint8_t *dst);
int argus_small(argus_dec *d, int k, uint8_t *gray, uint8_t *bgr);
int argus_jpeg_last(argus_dec *d, int q, uint8_t **data);
void argus_jpeg_done(argus_dec *d);
int argus_strerror(int err, char *buf, int size);

// argus_enter and argus_leave bracket every libav call made for d, so that
// its log lines become d's error message (libav.c).
void argus_enter(argus_dec *d);
void argus_leave(void);

#endif

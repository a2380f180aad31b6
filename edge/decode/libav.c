#include <stdio.h>
#include <string.h>
#include <libavutil/pixdesc.h>
#include <libavutil/imgutils.h>
#include "libav.h"

// argus_cur is the decoder making a libav call on this thread. With
// thread_count = 1 libav logs from the caller's thread, so every line logged
// while it is set belongs to that decoder: it is kept for the Go error
// instead of being printed (a corrupt stream logs hundreds of lines a second).
static __thread argus_dec *argus_cur;

static void argus_log(void *avcl, int level, const char *fmt, va_list vl) {
	argus_dec *d = argus_cur;
	if (d == NULL) {
		// Not ours (another package using libav in this process): keep
		// libav's usual behaviour.
		av_log_default_callback(avcl, level, fmt, vl);
		return;
	}
	if (level > AV_LOG_WARNING) {
		return;
	}
	// Keep the first line of the most severe level: it names the cause
	// ("non-existing PPS 0 referenced"); the lines after it are fallout.
	if (d->msg[0] != 0 && level >= d->msg_level) {
		return;
	}
	vsnprintf(d->msg, sizeof d->msg, fmt, vl);
	size_t n = strlen(d->msg);
	while (n > 0 && (d->msg[n-1] == '\n' || d->msg[n-1] == ' ')) {
		d->msg[--n] = 0;
	}
	d->msg_level = level;
}

void argus_init(void) {
	av_log_set_callback(argus_log);
}

void argus_enter(argus_dec *d) {
	d->msg[0] = 0;
	d->msg_level = AV_LOG_TRACE;
	argus_cur = d;
}

void argus_leave(void) {
	argus_cur = NULL;
}

// open_ctx gives d a freshly opened codec context.
static int open_ctx(argus_dec *d) {
	const AVCodec *codec = avcodec_find_decoder(d->hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
	if (codec == NULL) {
		return AVERROR_DECODER_NOT_FOUND;
	}
	d->ctx = avcodec_alloc_context3(codec);
	if (d->ctx == NULL) {
		return ARGUS_ENOMEM;
	}
	// One thread per camera: the edge runs many cameras and gets its
	// parallelism from them; frame threads would also add a frame of delay.
	d->ctx->thread_count = 1;
	d->ctx->thread_type = 0;
	// AV_CODEC_FLAG2_FAST was measured (BenchmarkVsFFmpeg, x264 1080p):
	// no difference, so the decoder stays spec-compliant without it.
	// libav refuses to allocate pictures beyond this, so a forged SPS cannot
	// make it allocate gigabytes; the Go side also checks each dimension.
	d->ctx->max_pixels = 8192 * 8192;
	argus_enter(d);
	int err = avcodec_open2(d->ctx, codec, NULL);
	argus_leave();
	if (err < 0) {
		// Every other function checks for a NULL context, so a failed
		// reset leaves a decoder that returns errors, not one that crashes.
		avcodec_free_context(&d->ctx);
	}
	return err;
}

argus_dec *argus_open(int hevc, int *err) {
	argus_dec *d = av_mallocz(sizeof *d);
	if (d == NULL) {
		*err = ARGUS_ENOMEM;
		return NULL;
	}
	d->hevc = hevc;
	d->pkt = av_packet_alloc();
	d->frame = av_frame_alloc();
	d->last = av_frame_alloc();
	*err = d->pkt == NULL || d->frame == NULL || d->last == NULL ? ARGUS_ENOMEM : open_ctx(d);
	if (*err < 0) {
		argus_close(d);
		return NULL;
	}
	return d;
}

// argus_reset replaces the codec context with a new one: after damage, state
// a flush keeps (parameter sets, a reorder depth learnt from a bad SPS) must
// not outlive it.
int argus_reset(argus_dec *d) {
	av_frame_unref(d->frame);
	av_frame_unref(d->last);
	avcodec_free_context(&d->ctx);
	return open_ctx(d);
}

void argus_close(argus_dec *d) {
	if (d == NULL) {
		return;
	}
	avcodec_free_context(&d->ctx);
	av_packet_free(&d->pkt);
	av_frame_free(&d->frame);
	av_frame_free(&d->last);
	av_freep(&d->uv);
	av_buffer_unref(&d->in);
	sws_freeContext(d->sws);
	avcodec_free_context(&d->jpeg);
	av_frame_free(&d->jframe);
	av_packet_free(&d->jpkt);
	av_free(d);
}

void argus_set_idle(argus_dec *d, int idle, int skip_loop_filter) {
	if (d->ctx == NULL) {
		return;
	}
	d->ctx->skip_frame = idle ? AVDISCARD_NONKEY : AVDISCARD_DEFAULT;
	d->ctx->skip_loop_filter = idle && skip_loop_filter ? AVDISCARD_ALL : AVDISCARD_DEFAULT;
}

// argus_input returns room for size bytes of Annex-B followed by the zeroed
// padding libav's bitstream readers may read past the end. The buffer is
// refcounted: libav takes its own reference while it parses a packet, so it
// is reused only when ours is the last reference (always, with one thread
// and every frame received before the next send) and replaced otherwise.
uint8_t *argus_input(argus_dec *d, int size) {
	int need = size + AV_INPUT_BUFFER_PADDING_SIZE;
	if (d->in == NULL || d->in->size < need || !av_buffer_is_writable(d->in)) {
		av_buffer_unref(&d->in);
		int alloc = need < 256 * 1024 ? 256 * 1024 : need + need / 4;
		d->in = av_buffer_alloc(alloc);
		if (d->in == NULL) {
			return NULL;
		}
	}
	memset(d->in->data + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	return d->in->data;
}

int argus_send(argus_dec *d, int size, int64_t pts, int drain) {
	if (d->ctx == NULL || d->in == NULL) {
		return AVERROR(EINVAL);
	}
	// The packet borrows our buffer reference for the call: send_packet
	// takes a reference of its own (no copy of the data), and we take ours
	// back before returning so the packet never owns anything.
	d->pkt->buf = d->in;
	d->pkt->data = d->in->data;
	d->pkt->size = size;
	d->pkt->pts = pts;
	d->pkt->dts = AV_NOPTS_VALUE;
	d->pkt->flags = 0;
	argus_enter(d);
	int ret = avcodec_send_packet(d->ctx, d->pkt);
	if (ret >= 0 && drain) {
		// Idle mode: a keyframe must come out now, not when the next one
		// arrives seconds later (streams with B-frames delay output).
		ret = avcodec_send_packet(d->ctx, NULL);
	}
	argus_leave();
	d->pkt->buf = NULL;
	d->pkt->data = NULL;
	d->pkt->size = 0;
	return ret;
}

int argus_receive(argus_dec *d) {
	if (d->ctx == NULL) {
		return AVERROR(EINVAL);
	}
	argus_enter(d);
	int ret = avcodec_receive_frame(d->ctx, d->frame);
	argus_leave();
	return ret;
}

void argus_flush(argus_dec *d) {
	av_frame_unref(d->frame);
	av_frame_unref(d->last);
	if (d->ctx == NULL) {
		return;
	}
	argus_enter(d);
	avcodec_flush_buffers(d->ctx);
	argus_leave();
}

// argus_luma8 tells whether plane 0 of the frame is 8-bit luma, one byte a
// pixel (yuv420p, yuvj420p, yuv422p, yuv444p, nv12, gray...): then the Go
// side copies it directly instead of converting.
int argus_luma8(argus_dec *d) {
	const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(d->frame->format);
	if (desc == NULL || desc->nb_components < 1) {
		return 0;
	}
	if (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL)) {
		return 0;
	}
	const AVComponentDescriptor *c = &desc->comp[0];
	return c->plane == 0 && c->depth == 8 && c->step == 1 && c->offset == 0 && c->shift == 0;
}

static int convert_frame(argus_dec *d, AVFrame *f, uint8_t *dst, int dst_fmt);

// argus_convert converts the frame into dst, packed with no padding, as
// dst_fmt (AV_PIX_FMT_BGR24 or AV_PIX_FMT_GRAY8). dst is Go memory, passed as
// a plain argument (cgo pins it for the call); the pointer array swscale
// wants is built here, on the C stack, because cgo forbids passing Go memory
// that holds Go pointers. The scaler is rebuilt only when the picture's size,
// format or colour description change.
int argus_convert(argus_dec *d, uint8_t *dst, int dst_fmt) {
	return convert_frame(d, d->frame, dst, dst_fmt);
}

// argus_keep keeps the picture just received (a reference, no copy) for
// argus_convert_last, dropping the one kept before.
void argus_keep(argus_dec *d) {
	av_frame_unref(d->last);
	av_frame_ref(d->last, d->frame);
}

// argus_convert_last converts the kept picture to BGR24, as argus_convert.
int argus_convert_last(argus_dec *d, uint8_t *dst) {
	if (d->last->data[0] == NULL) {
		return AVERROR(EINVAL);
	}
	return convert_frame(d, d->last, dst, AV_PIX_FMT_BGR24);
}

static int convert_frame(argus_dec *d, AVFrame *f, uint8_t *dst, int dst_fmt) {
	int range = f->color_range == AVCOL_RANGE_JPEG;
	int cs = f->colorspace;
	if (d->sws == NULL || d->sws_w != f->width || d->sws_h != f->height || d->sws_fmt != f->format ||
	    d->sws_dst != dst_fmt || d->sws_cs != cs || d->sws_range != range) {
		sws_freeContext(d->sws);
		argus_enter(d);
		d->sws = sws_getContext(f->width, f->height, f->format, f->width, f->height, dst_fmt,
			SWS_FAST_BILINEAR, NULL, NULL, NULL);
		argus_leave();
		if (d->sws == NULL) {
			return AVERROR(EINVAL);
		}
		// Cameras tag HD streams BT.709 and often full range; without this
		// swscale assumes BT.601 limited range and shifts the colours.
		int *inv, *tab, src_range, dst_range, bright, contrast, sat;
		if (sws_getColorspaceDetails(d->sws, &inv, &src_range, &tab, &dst_range, &bright, &contrast, &sat) >= 0) {
			const int *coef = sws_getCoefficients(cs == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : cs);
			sws_setColorspaceDetails(d->sws, coef, range || src_range, tab, dst_range, bright, contrast, sat);
		}
		d->sws_w = f->width;
		d->sws_h = f->height;
		d->sws_fmt = f->format;
		d->sws_dst = dst_fmt;
		d->sws_cs = cs;
		d->sws_range = range;
	}
	uint8_t *planes[4] = {dst, NULL, NULL, NULL};
	int strides[4] = {f->width * (dst_fmt == AV_PIX_FMT_BGR24 ? 3 : 1), 0, 0, 0};
	argus_enter(d);
	int ret = sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, planes, strides);
	argus_leave();
	return ret == f->height ? 0 : AVERROR(EINVAL);
}

int argus_strerror(int err, char *buf, int size) {
	return av_strerror(err, buf, size);
}

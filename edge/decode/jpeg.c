#include <libavutil/imgutils.h>
#include "libav.h"

// A snapshot is encoded by libavcodec's MJPEG encoder from the kept picture's
// own planes: about 3 ms for 720p on these machines, where converting to BGR
// and encoding with Go's image/jpeg took over 20. JPEG (JFIF) wants
// full-range BT.601 YCbCr; cameras send limited range and tag HD as BT.709,
// so the planes are converted first, which is a copy when they already match.

// kr_kb gives the luma weights of a colour space; BT.601 for the untagged.
static void kr_kb(int cs, double *kr, double *kb) {
	switch (cs) {
	case AVCOL_SPC_BT709:
		*kr = 0.2126, *kb = 0.0722;
		break;
	case AVCOL_SPC_BT2020_NCL:
	case AVCOL_SPC_BT2020_CL:
		*kr = 0.2627, *kb = 0.0593;
		break;
	case AVCOL_SPC_SMPTE240M:
		*kr = 0.212, *kb = 0.087;
		break;
	default:
		*kr = 0.299, *kb = 0.114;
	}
}

// jfif_matrix gives, in 16-bit fixed point, the map from the picture's
// (Y-oy, Cb-128, Cr-128) to full-range BT.601 (Y, Cb-128, Cr-128): row 0 is
// Y's, rows 1 and 2 the chroma's (which never depend on Y: grey stays grey).
static void jfif_matrix(const AVFrame *f, int *oy, int m[3][3]) {
	int full = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P;
	double sy = full ? 1 : 255.0 / 219, sc = full ? 1 : 255.0 / 224;
	*oy = full ? 0 : 16;
	double kr, kb;
	kr_kb(f->colorspace, &kr, &kb);
	const double jr = 0.299, jb = 0.114;
	for (int i = 0; i < 3; i++) {
		// The picture's basis vector i, scaled to full range, to RGB...
		double y = i == 0 ? sy : 0, cb = i == 1 ? sc : 0, cr = i == 2 ? sc : 0;
		double r = y + 2 * (1 - kr) * cr, b = y + 2 * (1 - kb) * cb;
		double g = (y - kr * r - kb * b) / (1 - kr - kb);
		// ...and back to BT.601.
		double jy = jr * r + (1 - jr - jb) * g + jb * b;
		double v[3] = {jy, (b - jy) / (2 * (1 - jb)), (r - jy) / (2 * (1 - jr))};
		for (int k = 0; k < 3; k++) {
			m[k][i] = (int)(v[k] * 65536 + (v[k] < 0 ? -0.5 : 0.5));
		}
	}
}

static inline uint8_t clip8(int v) {
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

// to_jfif writes the 8-bit 4:2:0 picture src into dst (YUVJ420P, same size).
static void to_jfif(const AVFrame *src, AVFrame *dst) {
	int w = src->width, h = src->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
	int oy, m[3][3];
	jfif_matrix(src, &oy, m);
	const int one = 65536, half = 32768;
	int same = oy == 0 && m[0][0] == one && m[0][1] == 0 && m[0][2] == 0 && m[1][1] == one &&
		m[1][2] == 0 && m[2][1] == 0 && m[2][2] == one;
	if (same) {
		av_image_copy_plane(dst->data[0], dst->linesize[0], src->data[0], src->linesize[0], w, h);
		av_image_copy_plane(dst->data[1], dst->linesize[1], src->data[1], src->linesize[1], cw, ch);
		av_image_copy_plane(dst->data[2], dst->linesize[2], src->data[2], src->linesize[2], cw, ch);
		return;
	}
	for (int y = 0; y < h; y++) {
		const uint8_t *sy = src->data[0] + y * src->linesize[0];
		const uint8_t *su = src->data[1] + (y / 2) * src->linesize[1];
		const uint8_t *sv = src->data[2] + (y / 2) * src->linesize[2];
		uint8_t *dy = dst->data[0] + y * dst->linesize[0];
		for (int x = 0; x < w; x++) {
			int u = su[x / 2] - 128, v = sv[x / 2] - 128;
			dy[x] = clip8((m[0][0] * (sy[x] - oy) + m[0][1] * u + m[0][2] * v + half) >> 16);
		}
	}
	for (int y = 0; y < ch; y++) {
		const uint8_t *su = src->data[1] + y * src->linesize[1];
		const uint8_t *sv = src->data[2] + y * src->linesize[2];
		uint8_t *du = dst->data[1] + y * dst->linesize[1];
		uint8_t *dv = dst->data[2] + y * dst->linesize[2];
		for (int x = 0; x < cw; x++) {
			int u = su[x] - 128, v = sv[x] - 128;
			du[x] = clip8(128 + ((m[1][1] * u + m[1][2] * v + half) >> 16));
			dv[x] = clip8(128 + ((m[2][1] * u + m[2][2] * v + half) >> 16));
		}
	}
}

// open_jpeg gives d an MJPEG encoder and a picture for w x h.
static int open_jpeg(argus_dec *d, int w, int h, int q) {
	avcodec_free_context(&d->jpeg);
	av_frame_unref(d->jframe);
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
	if (codec == NULL) {
		return AVERROR_ENCODER_NOT_FOUND;
	}
	d->jpeg = avcodec_alloc_context3(codec);
	if (d->jpeg == NULL) {
		return ARGUS_ENOMEM;
	}
	d->jpeg->width = w;
	d->jpeg->height = h;
	d->jpeg->pix_fmt = AV_PIX_FMT_YUVJ420P;
	d->jpeg->color_range = AVCOL_RANGE_JPEG;
	d->jpeg->time_base = (AVRational){1, 25};
	d->jpeg->thread_count = 1;
	d->jpeg->flags |= AV_CODEC_FLAG_QSCALE;
	d->jpeg->global_quality = q * FF_QP2LAMBDA;
	int err = avcodec_open2(d->jpeg, codec, NULL);
	if (err < 0) {
		avcodec_free_context(&d->jpeg);
		return err;
	}
	d->jframe->format = AV_PIX_FMT_YUVJ420P;
	d->jframe->width = w;
	d->jframe->height = h;
	d->jframe->color_range = AVCOL_RANGE_JPEG;
	if ((err = av_frame_get_buffer(d->jframe, 0)) < 0) {
		avcodec_free_context(&d->jpeg);
	}
	d->jpeg_q = q;
	return err;
}

// argus_jpeg_last encodes the kept picture as a JPEG of quality scale q
// (2 best .. 31) and points *data at it: the bytes stay valid until
// argus_jpeg_done. It returns the size, ARGUS_ENOSYS for a picture that is
// not 8-bit 4:2:0 (the caller converts it some other way), or an error.
int argus_jpeg_last(argus_dec *d, int q, uint8_t **data) {
	AVFrame *f = d->last;
	if (f->data[0] == NULL) {
		return AVERROR(EINVAL);
	}
	if (f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P) {
		return ARGUS_ENOSYS;
	}
	if (d->jpkt == NULL && (d->jpkt = av_packet_alloc()) == NULL) {
		return ARGUS_ENOMEM;
	}
	if (d->jframe == NULL && (d->jframe = av_frame_alloc()) == NULL) {
		return ARGUS_ENOMEM;
	}
	argus_enter(d);
	int err = 0;
	if (d->jpeg == NULL || d->jpeg->width != f->width || d->jpeg->height != f->height || d->jpeg_q != q) {
		err = open_jpeg(d, f->width, f->height, q);
	}
	if (err >= 0) {
		err = av_frame_make_writable(d->jframe);
	}
	if (err >= 0) {
		to_jfif(f, d->jframe);
		d->jframe->quality = q * FF_QP2LAMBDA;
		d->jframe->pts = ++d->jpeg_pts;
		av_packet_unref(d->jpkt);
		err = avcodec_send_frame(d->jpeg, d->jframe);
	}
	if (err >= 0) {
		err = avcodec_receive_packet(d->jpeg, d->jpkt);
	}
	argus_leave();
	if (err < 0) {
		return err;
	}
	*data = d->jpkt->data;
	return d->jpkt->size;
}

// argus_jpeg_done lets go of the JPEG argus_jpeg_last made.
void argus_jpeg_done(argus_dec *d) {
	av_packet_unref(d->jpkt);
}

#include <stdlib.h>
#include <string.h>
#include <libavutil/pixfmt.h>
#include "libav.h"

// The small picture the cheap detectors share (frame.Small), averaged
// straight from libav's planes: a 1080p frame becomes 320x180 in one pass
// over its luma and chroma, instead of a full-size BGR conversion (6 MB
// written) that each detector then shrinks again.

// Some loops here want vector instructions that x86-64's baseline (SSE2)
// lacks: 32-bit multiplies (the colour) and byte shuffles (sums of 3 or 6
// neighbours). Build an AVX2 and an SSE4.1 copy of those functions beside
// the plain one, chosen when the program loads.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "sse4.1", "default")))
#else
#define CLONES
#endif

// row_average writes the averages of k consecutive column sums (pixels of
// ch channels) over n = k*k pixels, rounded: (s + n/2) * inv >> 32 is
// exactly (s + n/2) / n for inv = 2^32/n + 1 and sums under 2^32/n.
static void row_average(const uint16_t *acc, int sw, int ch, int k, uint32_t n, uint64_t inv, uint8_t *out) {
	for (int x = 0; x < sw; x++) {
		const uint16_t *a = acc + (size_t)x * k * ch;
		for (int c = 0; c < ch; c++) {
			uint32_t s = n / 2;
			for (int j = 0; j < k; j++) {
				s += a[j * ch + c];
			}
			out[x * ch + c] = (uint8_t)((s * inv) >> 32);
		}
	}
}

// luma_average is row_average for one channel and a k known when compiled
// (at most 8, so that a block's sum fits 16 bits): the compiler unrolls the
// k sums and turns the division by the constant k*k into a vector
// multiply, several times faster than the general loop.
static inline __attribute__((always_inline)) void luma_average(const uint16_t *restrict acc, int sw, const int k,
		uint8_t *restrict out) {
	for (int x = 0; x < sw; x++) {
		uint16_t s = (uint16_t)(k * k / 2);
		for (int j = 0; j < k; j++) {
			s += acc[x * k + j];
		}
		out[x] = (uint8_t)(s / (k * k));
	}
}

// column_sums adds k rows of rw bytes, stride apart, into acc.
static inline __attribute__((always_inline)) void column_sums(const uint8_t *restrict row, int stride, int rw,
		int k, uint16_t *restrict acc) {
	for (int x = 0; x < rw; x++) {
		acc[x] = row[x];
	}
	for (int r = 1; r < k; r++) {
		row += stride;
		for (int x = 0; x < rw; x++) {
			acc[x] += row[x];
		}
	}
}

// argus_box averages a packed picture of ch channels over k×k blocks into
// dst, (w/k)×(h/k) pixels; edges narrower than a block are left out.
// Columns are summed over the block's rows first (a loop the compiler
// vectorises), then k sums are added along the row, specialised for the
// usual luma and chroma scales (1080p: 6 and 3, 720p: 4 and 2).
CLONES void argus_box(const uint8_t *src, int stride, int w, int h, int ch, int k, uint8_t *dst) {
	int sw = w / k, sh = h / k, rw = sw * k * ch;
	if (sw <= 0 || sh <= 0) {
		return;
	}
	uint16_t *acc = malloc((size_t)rw * sizeof *acc); // k*255 fits: k <= 8192/320+1
	if (acc == NULL) {
		return;
	}
	uint32_t n = (uint32_t)(k * k);
	uint64_t inv = ((uint64_t)1 << 32) / n + 1;
	for (int y = 0; y < sh; y++) {
		column_sums(src + (size_t)y * k * stride, stride, rw, k, acc);
		uint8_t *out = dst + (size_t)y * sw * ch;
		switch (ch == 1 ? k : 0) {
		case 2: luma_average(acc, sw, 2, out); break;
		case 3: luma_average(acc, sw, 3, out); break;
		case 4: luma_average(acc, sw, 4, out); break;
		case 6: luma_average(acc, sw, 6, out); break;
		default: row_average(acc, sw, ch, k, n, inv, out);
		}
	}
	free(acc);
}

// coefficients are the YUV to RGB factors in 16.16 fixed point for the
// picture's colour description, as swscale uses them (argus_convert):
// BT.601 unless tagged otherwise, limited range unless tagged full.
struct coefficients {
	int y, yoff, crv, cbu, cgu, cgv;
};

static struct coefficients coefficients_of(const AVFrame *f) {
	double kr = 0.299, kb = 0.114;
	switch (f->colorspace) {
	case AVCOL_SPC_BT709:
		kr = 0.2126, kb = 0.0722;
		break;
	case AVCOL_SPC_FCC:
		kr = 0.30, kb = 0.11;
		break;
	case AVCOL_SPC_SMPTE240M:
		kr = 0.212, kb = 0.087;
		break;
	case AVCOL_SPC_BT2020_NCL:
	case AVCOL_SPC_BT2020_CL:
		kr = 0.2627, kb = 0.0593;
		break;
	default:
		break;
	}
	int full = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P;
	double ys = full ? 1 : 255.0 / 219, cs = full ? 1 : 255.0 / 224, kg = 1 - kr - kb;
	struct coefficients c = {
		.y = (int)(ys * 65536 + 0.5),
		.yoff = full ? 0 : 16,
		.crv = (int)(2 * (1 - kr) * cs * 65536 + 0.5),
		.cbu = (int)(2 * (1 - kb) * cs * 65536 + 0.5),
		.cgu = (int)(2 * kb * (1 - kb) / kg * cs * 65536 + 0.5),
		.cgv = (int)(2 * kr * (1 - kr) / kg * cs * 65536 + 0.5),
	};
	return c;
}

// clip8 rounds a 16.16 value to a byte, saturating; written with min and
// max so that the loop below vectorises.
static inline uint8_t clip8(int v) {
	v = (v + 32768) >> 16;
	v = v < 0 ? 0 : v;
	return (uint8_t)(v > 255 ? 255 : v);
}

// to_bgr converts n small pixels of luma and averaged chroma to BGR.
CLONES static void to_bgr(const uint8_t *restrict gray, const uint8_t *restrict u, const uint8_t *restrict v, int n,
		struct coefficients c, uint8_t *restrict bgr) {
	for (int i = 0; i < n; i++) {
		int y = (gray[i] - c.yoff) * c.y, cb = u[i] - 128, cr = v[i] - 128;
		bgr[3 * i] = clip8(y + c.cbu * cb);
		bgr[3 * i + 1] = clip8(y - c.cgu * cb - c.cgv * cr);
		bgr[3 * i + 2] = clip8(y + c.crv * cr);
	}
}

// argus_small writes the frame's luma averaged over k×k blocks into gray
// and, when bgr is not NULL, the colour into bgr. It returns 0, 1 when it
// could not make the colour (a picture that is not 8-bit 4:2:0, or an odd
// k that splits chroma samples: the caller averages a full BGR conversion
// instead), or a negative libav error.
int argus_small(argus_dec *d, int k, uint8_t *gray, uint8_t *bgr) {
	AVFrame *f = d->frame;
	int sw = f->width / k, sh = f->height / k;
	argus_box(f->data[0], f->linesize[0], f->width, f->height, 1, k, gray);
	if (bgr == NULL) {
		return 0;
	}
	if ((f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P) || k % 2 != 0) {
		return 1;
	}
	int need = 2 * sw * sh;
	if (d->uv_size < need) {
		av_freep(&d->uv);
		d->uv = av_malloc(need);
		d->uv_size = d->uv == NULL ? 0 : need;
		if (d->uv == NULL) {
			return ARGUS_ENOMEM;
		}
	}
	uint8_t *u = d->uv, *v = d->uv + sw * sh;
	int kc = k / 2;
	argus_box(f->data[1], f->linesize[1], sw * kc, sh * kc, 1, kc, u);
	argus_box(f->data[2], f->linesize[2], sw * kc, sh * kc, 1, kc, v);
	to_bgr(gray, u, v, sw * sh, coefficients_of(f), bgr);
	return 0;
}

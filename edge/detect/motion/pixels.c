// The motion detector's per-pixel loops, written without branches so that
// the compiler vectorises them. The difference and the update do exactly
// what the Go they replaced did (kept as a reference in pixels_test.go):
// the same float32 operations in the same order, no fused multiply-add.
// The background's sums are added in eight lanes instead of one, which
// moves them by a rounding error.
#include "pixels.h"

// Go does not fuse a*b+c on amd64 (GOAMD64 v1), so neither may we; cgo
// refuses -ffp-contract=off among the CFLAGS, hence the pragma.
#pragma GCC optimize("fp-contract=off")

// x86-64's baseline (SSE2) lacks some of the vector instructions these
// loops want: build an AVX2 and an SSE4.1 copy beside the plain one,
// chosen when the program loads.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "sse4.1", "default")))
#else
#define CLONES
#endif

#define LANES 8

// The luma's sums are integers, exact in any order; the background's are
// doubles added in LANES independent lanes, a loop the compiler can
// vectorise without reordering any one lane's additions. A static inline
// body taking has_mask as a constant gives one loop with the mask and one
// without, neither testing it per pixel.
static inline __attribute__((always_inline)) struct motion_sums
sums_loop(const uint8_t *restrict cur, const float *restrict bg,
          const uint8_t *restrict mask, ptrdiff_t n, const int has_mask) {
  uint64_t sum_c = 0, sq_c = 0;
  ptrdiff_t counted = 0;
  double sb[LANES] = {0}, qb[LANES] = {0};
  ptrdiff_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int j = 0; j < LANES; j++) {
      const uint32_t keep = has_mask ? mask[i + j] == 0 : 1;
      const uint32_t c = cur[i + j] * keep;
      const double b = (double)bg[i + j] * (double)keep;
      sum_c += c;
      sq_c += c * c;
      counted += keep;
      sb[j] += b;
      qb[j] += b * b;
    }
  }
  for (int j = 0; i < n; i++, j++) {
    const uint32_t keep = has_mask ? mask[i] == 0 : 1;
    const uint32_t c = cur[i] * keep;
    const double b = (double)bg[i] * (double)keep;
    sum_c += c;
    sq_c += c * c;
    counted += keep;
    sb[j] += b;
    qb[j] += b * b;
  }
  struct motion_sums s = {(double)sum_c, (double)sq_c, 0, 0, counted};
  for (int j = 0; j < LANES; j++) {
    s.sum_b += sb[j];
    s.sq_b += qb[j];
  }
  return s;
}

CLONES struct motion_sums motion_sums(const uint8_t *cur, const float *bg,
                                      const uint8_t *mask, ptrdiff_t n) {
  if (mask)
    return sums_loop(cur, bg, mask, n, 1);
  return sums_loop(cur, bg, mask, n, 0);
}

// motion_difference writes 255 into moving where cur*gain+off differs
// from bg by more than th, and not masked, else 0; it returns how many.
CLONES ptrdiff_t motion_difference(const uint8_t *restrict cur,
                                   const float *restrict bg,
                                   const uint8_t *restrict mask, ptrdiff_t n,
                                   float gain, float off, float th,
                                   uint8_t *restrict moving) {
  ptrdiff_t changed = 0;
  for (ptrdiff_t i = 0; i < n; i++) {
    const float diff = (float)cur[i] * gain + off - bg[i];
    int m = (diff > th) | (-diff > th);
    if (mask)
      m &= mask[i] == 0;
    moving[i] = (uint8_t)-m;
    changed += m;
  }
  return changed;
}

// motion_update moves bg towards cur by learn, or by learn_moving where
// moving is set (moving may be NULL: nothing moves).
CLONES void motion_update(const uint8_t *restrict cur, float *restrict bg,
                          const uint8_t *restrict moving, ptrdiff_t n,
                          float learn, float learn_moving) {
  for (ptrdiff_t i = 0; i < n; i++) {
    const float a = moving && moving[i] ? learn_moving : learn;
    bg[i] += a * ((float)cur[i] - bg[i]);
  }
}

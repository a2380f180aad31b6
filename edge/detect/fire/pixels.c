// The fire and smoke detectors' per-pixel loops, written without branches
// so that the compiler vectorises them. Each does exactly what the Go it
// replaced did (kept as a reference in pixels_test.go): the same 8-bit
// wrap-around, the same float32 operations in the same order (no
// fused multiply-add: see the pragma).
#include "pixels.h"

// Go does not fuse a*b+c on amd64 (GOAMD64 v1), so neither may we; cgo
// refuses -ffp-contract=off among the CFLAGS, hence the pragma.
#pragma GCC optimize("fp-contract=off")

#define WINDOW 20   // Window in flame.go
#define BRIGHT 30   // brighter in flame.go
#define DIM 15      // dimmer in flame.go
#define LIFT 10     // lift in flame.go
#define MINFLIPS 3  // minFlips in flame.go
#define NEWCOLOUR 0.2f // newColour in flame.go
#define FLICKLIGHT 16 // flickLight in flame.go
#define GREYNESS 40 // greyness in smoke.go
#define LIGHTER 10  // lighter in smoke.go
#define PERSIST 6   // persist in smoke.go

// Taking three bytes a pixel into vectors needs a byte shuffle (SSSE3) on
// x86-64, whose baseline lacks it: build a copy for SSSE3 and one for AVX2
// beside the plain one, chosen when the program loads. Arm64 always has it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "ssse3", "default")))
#else
#define CLONES
#endif

// A static inline body taking has_mask as a constant gives one loop with
// the mask and one without, neither testing it per pixel.
//
// Each ring slot holds a frame's candidate bit (bit 0), whether the pixel
// switched into that state with a real change of light (bit 1) and its
// flame-colour bit (bit 2): the window's counts add the new frame's bits
// and drop the oldest's.
static inline __attribute__((always_inline)) int
fire_loop(const uint8_t *restrict bgr, const uint8_t *restrict mask,
          uint8_t *restrict old, const uint8_t *restrict prev,
          uint8_t *restrict on, uint8_t *restrict flips,
          uint8_t *restrict coloured, uint8_t *restrict bin, float *restrict bg, float *restrict pc,
          const uint8_t *restrict plum_in, const uint8_t *restrict pchr_in,
          uint8_t *restrict plum, uint8_t *restrict pchr,
          const uint8_t *restrict freeze, ptrdiff_t w, ptrdiff_t h,
          ptrdiff_t dx, ptrdiff_t dy, int first, float a, const int has_mask) {
  const uint8_t keep_prev = first ? 0 : 1;
  const ptrdiff_t off = dy * w + dx;
  const ptrdiff_t xlo = dx > 0 ? dx : 0, xhi = dx < 0 ? w + dx : w;
  int lit = 0;
  for (ptrdiff_t y = 0; y < h; y++) {
  const uint8_t row_in = (y - dy >= 0) & (y - dy < h);
  for (ptrdiff_t x = 0; x < w; x++) {
    const ptrdiff_t i = y * w + x;
    const int b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
    const uint8_t col = (r >= 150) & (r >= g) & (g > b) & (r - b >= 90) & (g - b >= 15);
    const int lum = (29 * b + 150 * g + 77 * r + 128) >> 8;
    const int chr = r - b > 0 ? r - b : 0;
    const float fl = (float)lum, fc = (float)col;
    float bl = bg[i], bc = pc[i];
    bl = first ? fl : bl;
    bc = first ? fc : bc;
    const uint8_t pm = prev[i] & keep_prev;
    const float diff = fl - bl;
    const uint8_t bright = diff >= (pm ? (float)DIM : (float)BRIGHT);
    const uint8_t lifted = diff >= (pm ? 0.0f : (float)LIFT);
    const uint8_t fresh = bc < NEWCOLOUR;
    uint8_t m = col & ((fresh & lifted) | bright), mc = col;
    if (has_mask) {
      m &= mask[i] == 0;
      mc &= mask[i] == 0;
    }
    // The light a pixel had in the last frame is where the picture was
    // then: a panning or drifting camera does not flicker. What came
    // into the picture at its edges has no last frame.
    const uint8_t inside = row_in & (x >= xlo) & (x < xhi);
    const ptrdiff_t j = inside ? i - off : i;
    const int ql = plum_in[j], qc = pchr_in[j];
    const int dl = lum > ql ? lum - ql : ql - lum;
    const int dc = chr > qc ? chr - qc : qc - chr;
    const uint8_t moved = (dl >= FLICKLIGHT) | (dc >= FLICKLIGHT);
    // Flicker is a change of light where a candidate is, now or in the
    // frame before: a leg over an orange floor is no candidate.
    const uint8_t flip = (m | pm) & moved & keep_prev & inside;
    const uint8_t o = old[i];
    const uint8_t c = (uint8_t)(on[i] - (o & 1) + m);
    const uint8_t f = (uint8_t)(flips[i] - ((o >> 1) & 1) + flip);
    on[i] = c;
    flips[i] = f;
    coloured[i] = (uint8_t)(coloured[i] - ((o >> 2) & 1) + mc);
    old[i] = (uint8_t)(m | (flip << 1) | (mc << 2));
    // Never learnt under a fire.
    const float ai = freeze[i] ? 0.0f : a;
    bg[i] = bl + ai * (fl - bl);
    pc[i] = bc + ai * (fc - bc);
    plum[i] = (uint8_t)lum;
    pchr[i] = (uint8_t)(chr > 255 ? 255 : chr);
    const uint8_t lt = (c >= WINDOW / 4) | ((f >= MINFLIPS) & (coloured[i] > 0));
    bin[i] = (uint8_t)-lt;
    lit += lt;
  }
  }
  return lit;
}

CLONES int fire_add(const uint8_t *bgr, const uint8_t *mask, uint8_t *old,
                    const uint8_t *prev, uint8_t *on, uint8_t *flips,
                    uint8_t *coloured, uint8_t *bin, float *bg, float *pc,
                    const uint8_t *plum_in, const uint8_t *pchr_in,
                    uint8_t *plum, uint8_t *pchr, const uint8_t *freeze,
                    ptrdiff_t w, ptrdiff_t h, ptrdiff_t dx, ptrdiff_t dy,
                    int first, float a) {
  if (mask)
    return fire_loop(bgr, mask, old, prev, on, flips, coloured, bin, bg, pc, plum_in, pchr_in, plum, pchr, freeze, w, h, dx, dy, first, a, 1);
  return fire_loop(bgr, mask, old, prev, on, flips, coloured, bin, bg, pc, plum_in, pchr_in, plum, pchr, freeze, w, h, dx, dy, first, a, 0);
}

static inline __attribute__((always_inline)) struct smoke_counts
smoke_loop(const uint8_t *restrict bgr, const uint8_t *restrict mask,
           const uint8_t *restrict lum, const uint8_t *restrict tex,
           float *restrict bg_lum, float *restrict bg_lap,
           uint8_t *restrict hold, uint8_t *restrict bin, ptrdiff_t n,
           float fast, float slow, float gain, const int has_mask) {
  int cands = 0, held = 0, sum_lum = 0, sum_bg = 0;
  for (ptrdiff_t i = 0; i < n; i++) {
    const int b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
    const int hi = b > g ? (b > r ? b : r) : (g > r ? g : r);
    const int lo = b < g ? (b < r ? b : r) : (g < r ? g : r);
    const float l = lum[i], t = tex[i], lap = bg_lap[i], bl = bg_lum[i];
    const float diff = l - bl;
    // Compared with the background brought to the picture's exposure:
    // the whole picture lighter or darker (the camera's exposure after a
    // car's lights, a cloud) is not smoke.
    const float change = l - gain * bl;
    // Smoke changes the luma (lighter over dark ground, darker or lighter
    // over sky) without adding texture.
    int cand = (hi - lo <= GREYNESS) & (t <= lap * 1.2f + 4.0f) &
               ((change > LIGHTER) | (change < -LIGHTER));
    if (has_mask)
      cand &= mask[i] == 0;
    const uint8_t h = hold[i];
    const uint8_t up = (uint8_t)(h + 2) < 2 * PERSIST ? (uint8_t)(h + 2) : 2 * PERSIST;
    // A pixel back at the background (what passed has gone) forgets at
    // once; one still changed but not a candidate now fades.
    const uint8_t back = (change < LIGHTER / 2) & (change > -LIGHTER / 2);
    const uint8_t down = (h > 0) & !back ? h - 1 : 0;
    const uint8_t nh = cand ? up : down;
    const float a = cand ? slow : fast;
    hold[i] = nh;
    bg_lum[i] = bl + a * diff;
    bg_lap[i] = lap + a * (t - lap);
    const int lt = nh >= PERSIST;
    bin[i] = (uint8_t)-lt;
    cands += cand;
    held += lt;
    sum_lum += lum[i];
    sum_bg += (int)bl;
  }
  return (struct smoke_counts){cands, held, sum_lum, sum_bg};
}

CLONES struct smoke_counts smoke_update(const uint8_t *bgr, const uint8_t *mask,
                                        const uint8_t *lum, const uint8_t *tex,
                                        float *bg_lum, float *bg_lap,
                                        uint8_t *hold, uint8_t *bin,
                                        ptrdiff_t n, float fast, float slow,
                                        float gain) {
  if (mask)
    return smoke_loop(bgr, mask, lum, tex, bg_lum, bg_lap, hold, bin, n, fast, slow, gain, 1);
  return smoke_loop(bgr, mask, lum, tex, bg_lum, bg_lap, hold, bin, n, fast, slow, gain, 0);
}

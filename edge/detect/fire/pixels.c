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
#define NEWCOLOUR 13107 // newColour in flame.go, times 65535
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
static inline __attribute__((always_inline)) struct fire_counts
fire_run(const uint8_t *restrict bgr, const uint8_t *restrict mask,
         uint8_t *restrict old, const uint8_t *restrict prev,
         uint8_t *restrict on, uint8_t *restrict flips,
         uint8_t *restrict coloured, uint8_t *restrict bin, uint16_t *restrict bg, uint16_t *restrict pc,
         const uint8_t *restrict plum_in, const uint8_t *restrict pchr_in,
         uint8_t *restrict plum, uint8_t *restrict pchr,
         const uint8_t *restrict freeze, ptrdiff_t i0, ptrdiff_t i1,
         ptrdiff_t shift, const uint8_t inside, int first, int near, int a, const int has_mask) {
  const uint8_t keep_prev = first ? 0 : 1;
  // Flicker is a change from one frame to the next: frames further apart
  // than the detector's gap (shed under overload, a stalled camera) show
  // any change of the scene as a change of light, so they count none.
  const uint8_t close = near ? 1 : 0;
  const int keep = first ? 0 : 1;
  int lit = 0, changed = 0;
  for (ptrdiff_t i = i0; i < i1; i++) {
    const int b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
    const uint8_t col = (r >= 150) & (r >= g) & (g > b) & (r - b >= 90) & (g - b >= 15);
    const int lum = (29 * b + 150 * g + 77 * r + 128) >> 8;
    const int chr = __builtin_abs(r - b) + (r - b) >> 1; // r - b, or 0
    // Fixed point: luma times 256, flame-colour share times 65535.
    const int fl = lum << 8, fc = col * 65535;
    // On the first frame the background is the picture.
    const int bl = keep * bg[i] + (1 - keep) * fl, bc = keep * pc[i] + (1 - keep) * fc;
    const uint8_t pm = prev[i] & keep_prev;
    const int diff = fl - bl;
    const uint8_t bright = diff >= ((BRIGHT - (BRIGHT - DIM) * pm) << 8);
    const uint8_t lifted = diff >= ((LIFT - LIFT * pm) << 8);
    const uint8_t fresh = bc < NEWCOLOUR;
    uint8_t m = col & ((fresh & lifted) | bright), mc = col;
    if (has_mask) {
      m &= mask[i] == 0;
      mc &= mask[i] == 0;
    }
    // The light a pixel had in the last frame is where the picture was
    // then: a panning or drifting camera does not flicker. What came
    // into the picture at its edges has no last frame.
    const ptrdiff_t j = i - shift;
    const int ql = plum_in[j], qc = pchr_in[j], sl = plum_in[i], sc = pchr_in[i];
    // Against both the moved and the unmoved last frame: a shift read
    // wrongly (a person walking across a still camera's picture) makes
    // no flicker either.
    const int still = __builtin_abs(lum - sl) >= FLICKLIGHT;
    const uint8_t moved = ((__builtin_abs(lum - ql) >= FLICKLIGHT) & still) |
                          ((__builtin_abs(chr - qc) >= FLICKLIGHT) & (__builtin_abs(chr - sc) >= FLICKLIGHT));
    changed += still & close;
    // Flicker is a change of light where a candidate is, now or in the
    // frame before: a leg over an orange floor is no candidate.
    const uint8_t flip = (m | pm) & moved & keep_prev & inside & close;
    const uint8_t o = old[i];
    const uint8_t c = (uint8_t)(on[i] - (o & 1) + m);
    const uint8_t f = (uint8_t)(flips[i] - ((o >> 1) & 1) + flip);
    on[i] = c;
    flips[i] = f;
    coloured[i] = (uint8_t)(coloured[i] - ((o >> 2) & 1) + mc);
    old[i] = (uint8_t)(m | (flip << 1) | (mc << 2));
    // Never learnt under a fire.
    // Learnt at a/4096 a frame: at most 4096 x 65535, no overflow.
    const int ai = a * (1 - (int)freeze[i]);
    bg[i] = (uint16_t)(bl + ((ai * diff) >> 12));
    pc[i] = (uint16_t)(bc + ((ai * (fc - bc)) >> 12));
    plum[i] = (uint8_t)lum;
    pchr[i] = (uint8_t)chr; // r - b: at most 255
    const uint8_t lt = (c >= WINDOW / 4) | ((f >= MINFLIPS) & (coloured[i] > 0));
    bin[i] = (uint8_t)-lt;
    lit += lt;
  }
  return (struct fire_counts){lit, changed};
}

// fire_loop runs fire_run over each row in up to three runs: the pixels
// whose place in the last frame is inside it, compared with that place
// (a loop-invariant offset, so the run vectorises), and those that came
// in at the edges, compared with the same pixel.
static inline __attribute__((always_inline)) struct fire_counts
fire_loop(const uint8_t *restrict bgr, const uint8_t *restrict mask,
          uint8_t *restrict old, const uint8_t *restrict prev,
          uint8_t *restrict on, uint8_t *restrict flips,
          uint8_t *restrict coloured, uint8_t *restrict bin, uint16_t *restrict bg, uint16_t *restrict pc,
          const uint8_t *restrict plum_in, const uint8_t *restrict pchr_in,
          uint8_t *restrict plum, uint8_t *restrict pchr,
          const uint8_t *restrict freeze, ptrdiff_t w, ptrdiff_t h,
          ptrdiff_t dx, ptrdiff_t dy, int first, int near, int a, const int has_mask) {
  const ptrdiff_t off = dy * w + dx;
  ptrdiff_t xlo = dx > 0 ? dx : 0, xhi = dx < 0 ? w + dx : w;
  xlo = xlo < w ? xlo : w;
  xhi = xhi > xlo ? xhi : xlo;
  struct fire_counts sum = {0, 0}, run;
#define RUN(x0, x1, shift, inside)                                                          \
  run = fire_run(bgr, mask, old, prev, on, flips, coloured, bin, bg, pc, plum_in, pchr_in, \
                  plum, pchr, freeze, y * w + (x0), y * w + (x1), shift, inside, first, near, a, has_mask); \
  sum.lit += run.lit;                                                                        \
  sum.changed += run.changed
  for (ptrdiff_t y = 0; y < h; y++) {
    if (y - dy < 0 || y - dy >= h) {
      RUN(0, w, 0, 0);
      continue;
    }
    RUN(0, xlo, 0, 0);
    RUN(xlo, xhi, off, 1);
    RUN(xhi, w, 0, 0);
  }
#undef RUN
  return sum;
}

CLONES struct fire_counts fire_add(const uint8_t *bgr, const uint8_t *mask, uint8_t *old,
                    const uint8_t *prev, uint8_t *on, uint8_t *flips,
                    uint8_t *coloured, uint8_t *bin, uint16_t *bg, uint16_t *pc,
                    const uint8_t *plum_in, const uint8_t *pchr_in,
                    uint8_t *plum, uint8_t *pchr, const uint8_t *freeze,
                    ptrdiff_t w, ptrdiff_t h, ptrdiff_t dx, ptrdiff_t dy,
                    int first, int near, int a) {
  if (mask)
    return fire_loop(bgr, mask, old, prev, on, flips, coloured, bin, bg, pc, plum_in, pchr_in, plum, pchr, freeze, w, h, dx, dy, first, near, a, 1);
  return fire_loop(bgr, mask, old, prev, on, flips, coloured, bin, bg, pc, plum_in, pchr_in, plum, pchr, freeze, w, h, dx, dy, first, near, a, 0);
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


// Per-pixel loops of the fire and smoke detectors (pixels.c). Go passes
// its slices for the call only; nothing here keeps a pointer to them.
#include <stddef.h>
#include <stdint.h>

// fire_counts is what fire_add counts: pixels that may belong to a fire,
// and pixels whose luma changed from the last frame in place.
struct fire_counts {
  int lit, changed;
};

struct fire_counts fire_add(const uint8_t *bgr, const uint8_t *mask, uint8_t *old,
             const uint8_t *prev, uint8_t *on, uint8_t *flips, uint8_t *coloured,
             uint8_t *bin, uint16_t *bg, uint16_t *pc, const uint8_t *plum_in,
             const uint8_t *pchr_in, uint8_t *plum, uint8_t *pchr,
             const uint8_t *freeze, ptrdiff_t w, ptrdiff_t h, ptrdiff_t dx,
             ptrdiff_t dy, int first, int near, int a);

// smoke_counts is what smoke_update counts: returned by value, so that Go
// passes no pointer to a local.
struct smoke_counts {
  int cands, held, sum_lum, sum_bg;
};

struct smoke_counts smoke_update(const uint8_t *bgr, const uint8_t *mask,
                                 const uint8_t *lum, const uint8_t *tex,
                                 float *bg_lum, float *bg_lap, uint8_t *hold,
                                 uint8_t *bin, ptrdiff_t n, float fast,
                                 float slow, float gain);


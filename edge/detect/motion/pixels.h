// Per-pixel loops of the motion detector (pixels.c). Go passes its slices
// for the call only; nothing here keeps a pointer.
#include <stddef.h>
#include <stdint.h>

// motion_sums are the sums over the pixels not masked: returned by value,
// so that Go passes no pointer to a local.
struct motion_sums {
  double sum_c, sq_c, sum_b, sq_b;
  ptrdiff_t n;
};

struct motion_sums motion_sums(const uint8_t *cur, const float *bg,
                               const uint8_t *mask, ptrdiff_t n);

ptrdiff_t motion_difference(const uint8_t *cur, const float *bg,
                            const uint8_t *mask, ptrdiff_t n, float gain,
                            float off, float th, uint8_t *moving);

void motion_update(const uint8_t *cur, float *bg, const uint8_t *moving,
                   ptrdiff_t n, float learn, float learn_moving);

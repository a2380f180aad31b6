// Pins: cameras a user keeps on their own wall, in this browser's
// localStorage (per user name), beside the shared incident wall.

const listeners = new Set();
const key = (user) => `argus.pins.${user}`;

/** pins reads and changes one user's pinned cameras. */
export const pins = {
  /** list returns the pinned camera ids, in pin order. */
  list(user) {
    try { return JSON.parse(localStorage.getItem(key(user)) || '[]'); } catch { return []; }
  },
  /** has reports whether camera is pinned. */
  has(user, camera) { return this.list(user).includes(camera); },
  /** add pins a camera. */
  add(user, camera) {
    const l = this.list(user);
    if (!l.includes(camera)) this.save(user, [...l, camera]);
  },
  /** remove unpins a camera. */
  remove(user, camera) { this.save(user, this.list(user).filter((c) => c !== camera)); },
  save(user, l) {
    localStorage.setItem(key(user), JSON.stringify(l));
    listeners.forEach((fn) => fn());
  },
  /** onChange subscribes fn to pin changes and returns the unsubscribe function. */
  onChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

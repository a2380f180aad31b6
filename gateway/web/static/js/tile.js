// A live tile: a camera's video with its id, site and state, and a line
// for what the player is doing (connecting, retrying, refused). The wall
// and the live panel both use it.

import {h, clear} from './dom.js';
import {Player} from './player.js';

/**
 * Tile shows one camera. opts: key (the player key), camera, site, badge
 * (an element shown in the header), actions (buttons for the header).
 */
export class Tile {
  constructor({key, camera, site = '', badge = null, actions = []}) {
    this.camera = camera;
    this.stateEl = h('span', {class: 'state', 'data-testid': 'tile-state'}, '');
    this.siteEl = h('span', {class: 'site', 'data-testid': 'tile-site'}, site);
    this.badgeEl = h('span', {class: 'badge-slot'}, badge);
    this.msg = h('div', {class: 'tile-msg', 'data-testid': 'tile-message'}, 'connecting…');
    this.video = h('video', {class: 'tile-video', 'data-testid': 'tile-video', muted: true, autoplay: true, playsInline: true});
    this.el = h('article', {class: 'tile', 'data-testid': 'tile', 'data-camera': camera, 'data-player': key},
      h('header', {class: 'tile-head'},
        h('span', {class: 'cam', 'data-testid': 'tile-camera'}, camera), this.siteEl, this.stateEl, this.badgeEl,
        h('span', {class: 'tile-actions'}, actions)),
      h('div', {class: 'tile-body'}, this.video, this.msg));
    this.player = new Player(key, camera, this.video, (st, m) => this.playerState(st, m)).start();
  }

  // playerState shows what the player is doing over the video.
  playerState(state, message) {
    this.el.dataset.play = state;
    this.msg.textContent = message;
    this.msg.hidden = !message;
    this.msg.classList.toggle('error', state === 'refused');
  }

  /** status shows a camera status (GET /api/cameras/{camera} or a camera event). */
  status(s) {
    if (!s) return;
    if (s.site) this.siteEl.textContent = s.site;
    this.stateEl.textContent = s.state || '';
    this.stateEl.className = `state st-${s.state || 'unknown'}`;
    this.stateEl.title = s.reason || '';
  }

  /** badge replaces the header badge. */
  badge(el) { clear(this.badgeEl).append(el || ''); }

  /** stop ends the player. */
  stop() { this.player.stop(); }
}

/** severityBadge shows an anomaly's kind in its severity colour. */
export function severityBadge(kind, severity) {
  if (!kind && !severity) return null;
  return h('span', {class: `badge sev-${severity || 'info'}`, 'data-testid': 'tile-kind', title: severity || ''}, kind || severity);
}

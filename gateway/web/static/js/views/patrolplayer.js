// A patrol's recording: the drone's video as the edge recorded it from
// take-off to the end, and the site's plan with the drone where the
// telemetry track had it at the video's currentTime (interpolated between
// the track's points, 2 Hz). The video and the track are served by the
// gateway from the edge that flew the drone:
//   GET /api/drones/{drone}/patrols/{id}/track     → {points, recordings}
//   GET /api/drones/{drone}/patrols/{id}/recording?part=n  (MP4, ranges)
// The <video> is authorized by the session cookie (same origin), like
// every GET of the console.

import {h, clear} from '../dom.js';
import {get, esc} from '../api.js';
import {drawPlan} from '../plan.js';

/**
 * positionAt returns the track's position {lat, lon, alt, heading} at time
 * t (ms since the epoch), interpolated between the points either side, or
 * the nearest end; null for an empty track. points are oldest first, each
 * with t (ms).
 */
export function positionAt(points, t) {
  if (!points.length) return null;
  let lo = 0;
  let hi = points.length - 1;
  if (t <= points[0].t) return points[0];
  if (t >= points[hi].t) return points[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].t <= t) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  const f = (t - a.t) / (b.t - a.t || 1);
  const turn = ((((b.heading - a.heading) % 360) + 540) % 360) - 180; // the short way round
  return {lat: a.lat + f * (b.lat - a.lat), lon: a.lon + f * (b.lon - a.lon), alt: a.alt + f * (b.alt - a.alt),
    heading: (a.heading + f * turn + 360) % 360};
}

/**
 * patrolPlayer returns {el, close()}: the recording of patrol id of drone
 * d ({id, airspace, home}), loaded at once.
 */
export function patrolPlayer(d, id) {
  const base = `/api/drones/${esc(d.id)}/patrols/${esc(id)}`;
  const status = h('p', {class: 'muted', 'data-testid': 'patrol-rec-status'}, 'loading the recording…');
  const video = h('video', {controls: true, preload: 'metadata', playsinline: true, class: 'patrol-video',
    'data-testid': 'patrol-video'});
  const parts = h('div', {class: 'patrol-parts'});
  const plan = drawPlan(d.airspace, `rec-${d.id}-${id}`, d.home);
  const el = h('section', {class: 'patrol-recording', 'data-testid': 'patrol-recording', 'data-patrol': id},
    h('h3', {}, `Patrol ${id}`), status, video, parts, plan.svg);
  let points = [];
  let start = 0; // ms: the wall-clock time of the video's first frame
  const follow = () => {
    const pos = positionAt(points, start + video.currentTime * 1000);
    if (pos) {
      plan.move(pos);
      el.dataset.lat = pos.lat.toFixed(6);
      el.dataset.lon = pos.lon.toFixed(6);
    }
  };
  video.addEventListener('timeupdate', follow);
  video.addEventListener('seeked', follow);
  const play = (rec, i) => {
    start = Date.parse(rec.start);
    video.src = `${base}/recording?part=${i}`;
    el.dataset.part = String(i);
    follow();
  };
  (async () => {
    try {
      const tr = await get(`${base}/track`);
      points = (tr.points || []).map((p) => ({...p, t: Date.parse(p.time)}));
      const recs = tr.recordings || [];
      if (!recs.length) {
        status.textContent = tr.flying ? 'still flying: the video is served once the patrol has ended'
          : 'no video recorded for this patrol (track only)';
        if (points.length) plan.move(points[points.length - 1]);
        return;
      }
      status.textContent = `${points.length} track points, ${recs.length} video file${recs.length > 1 ? 's' : ''}`;
      if (recs.length > 1) {
        clear(parts).append(...recs.map((r, i) => h('button', {type: 'button', 'data-testid': 'patrol-part',
          onclick: () => play(r, i)}, `part ${i + 1} (${new Date(r.start).toLocaleTimeString()})`)));
      }
      play(recs[0], 0);
    } catch (e) {
      status.textContent = `recording: ${e.message}`;
      status.className = 'bad';
    }
  })();
  return {el, close: () => { video.removeAttribute('src'); video.load(); el.remove(); }};
}

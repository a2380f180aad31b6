// Playback of what the edges recorded, through the gateway (API.md,
// "Recordings and clips"): an anomaly's clip in a panel of its own, with
// the anomaly's box drawn over the video from its frame on, a download of
// the clip and an export of the camera's recording around it. Any view
// opens it with one call: openClip(id) or a clipButton(id).
//
// Test hooks: clip-panel (data-anomaly; data-start, the clip's first
// frame, RFC 3339, from X-Argus-Start; data-offset, seconds from it to the
// anomaly's frame), clip-video, clip-box (data-box: x,y,w,h fractions),
// clip-download, clip-export, clip-timeline, clip-error, clip-close;
// clip-play is the button clipButton makes (data-anomaly).

import {h, button, fmtTime} from './dom.js';
import {get, esc, token} from './api.js';

let panel = null;

/** clipButton is a small "Play clip" button opening anomaly id's clip. */
export function clipButton(id, label = 'Play clip') {
  return button(label, {class: 'small', 'data-testid': 'clip-play', 'data-anomaly': id,
    onclick: (e) => { e.stopPropagation(); openClip(id); }});
}

/** closeClip closes the clip panel, if open. */
export function closeClip() {
  if (!panel) return;
  const v = panel.querySelector('video');
  if (v) { v.pause(); v.removeAttribute('src'); v.load(); }
  panel.remove();
  panel = null;
}

/**
 * openClip plays an anomaly's clip: a (the record, GET /api/anomalies/{id})
 * or its id. The clip is asked for its first byte first, so that a clip
 * not written yet (until its post-roll) or deleted says why instead of a
 * blank player, and so that its start (X-Argus-Start) places the box.
 */
export async function openClip(a) {
  closeClip();
  const el = h('aside', {class: 'clip-panel', 'data-testid': 'clip-panel', 'aria-label': 'Anomaly clip'});
  panel = el;
  document.body.append(el);
  try {
    if (typeof a === 'string') a = await get(`/api/anomalies/${esc(a)}`);
  } catch (e) {
    return failed(el, `anomaly: ${e.message}`);
  }
  if (panel !== el) return;
  el.dataset.anomaly = a.id;
  const src = `/api/anomalies/${esc(a.id)}/clip`;
  const head = h('div', {class: 'clip-head'},
    h('strong', {}, `${a.kind} on ${a.camera}`), h('span', {class: 'muted'}, fmtTime(a.started_at)),
    button('Close', {class: 'small', 'data-testid': 'clip-close', onclick: closeClip}));
  el.append(head);
  let start;
  try {
    start = await probe(src);
  } catch (e) {
    return failed(el, e.message, links(a, null));
  }
  if (panel !== el) return;
  const offset = (Date.parse(a.started_at) - start.getTime()) / 1000;
  el.dataset.start = start.toISOString();
  el.dataset.offset = offset.toFixed(3);
  const video = h('video', {class: 'clip-video', 'data-testid': 'clip-video', controls: true, muted: true, autoplay: true,
    playsInline: true, preload: 'auto'});
  const stage = h('div', {class: 'clip-stage'}, video, box(a, video, offset));
  video.addEventListener('loadedmetadata', () => {
    if (video.videoWidth && video.videoHeight) stage.style.aspectRatio = `${video.videoWidth} / ${video.videoHeight}`;
  });
  video.addEventListener('error', () => {
    const err = el.querySelector('[data-testid="clip-error"]') || el.appendChild(h('p', {class: 'error', 'data-testid': 'clip-error'}));
    err.textContent = `the clip does not play here (media error ${video.error ? video.error.code : '?'}; H.265 clips play in ffplay, not in Chromium): download it`;
  });
  video.src = src;
  el.append(stage, links(a, start));
}

// probe asks for the clip's first byte and returns its first frame's time.
async function probe(src) {
  const headers = {Range: 'bytes=0-0'};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  let resp;
  try {
    resp = await fetch(src, {headers, credentials: 'same-origin'});
  } catch (e) {
    throw new Error(`gateway unreachable (${e.message})`);
  }
  if (!resp.ok) {
    let msg = `${resp.status} ${resp.statusText}`;
    try { msg = (await resp.json()).error || msg; } catch { /* not JSON */ }
    if (resp.status === 404) msg += ' — a clip is ready once its post-roll has passed after the anomaly ends';
    throw new Error(msg);
  }
  await resp.arrayBuffer();
  const start = new Date(resp.headers.get('X-Argus-Start') || '');
  if (Number.isNaN(start.getTime())) throw new Error('the edge did not say when the clip starts (X-Argus-Start)');
  return start;
}

// box draws the anomaly's box (fractions of the frame) over the video from
// the anomaly's frame on (to its end, when it ended).
function box(a, video, offset) {
  const [x, y, w, hgt] = a.box || [0, 0, 0, 0];
  const el = h('div', {class: 'clip-box', 'data-testid': 'clip-box', 'data-box': [x, y, w, hgt].join(','), hidden: true},
    h('span', {}, `${a.kind} ${Math.round((a.score || 0) * 100)}%`));
  if (!(w > 0 && hgt > 0)) return el;
  el.style.left = `${x * 100}%`;
  el.style.top = `${y * 100}%`;
  el.style.width = `${w * 100}%`;
  el.style.height = `${hgt * 100}%`;
  const until = a.ended_at ? offset + (Date.parse(a.ended_at) - Date.parse(a.started_at)) / 1000 : Infinity;
  const show = () => { el.hidden = !(video.currentTime >= offset - 0.25 && video.currentTime <= until + 0.25); };
  video.addEventListener('timeupdate', show);
  video.addEventListener('seeked', show);
  return el;
}

// links are the clip's download, an export of the camera's continuous
// recording around the anomaly, and the camera's timeline.
function links(a, start) {
  const from = new Date((start ? start.getTime() : Date.parse(a.started_at)) - 30e3);
  const to = new Date((a.ended_at ? Date.parse(a.ended_at) : Date.parse(a.started_at)) + 30e3);
  const cam = esc(a.camera);
  return h('div', {class: 'clip-links'},
    start ? h('a', {href: `/api/anomalies/${esc(a.id)}/clip?download=1`, download: `${a.camera}-${a.id}.mp4`, 'data-testid': 'clip-download'}, 'Download the clip') : '',
    h('a', {href: `/api/cameras/${cam}/recordings/export?from=${esc(from.toISOString())}&to=${esc(to.toISOString())}`,
      download: '', 'data-testid': 'clip-export', title: 'the camera\'s continuous recording, from 30 s before to 30 s after'}, 'Export MP4 (±30 s)'),
    h('a', {href: `#/timeline/${cam}`, 'data-testid': 'clip-timeline', onclick: closeClip}, 'Camera timeline'));
}

function failed(el, msg, ...more) {
  el.append(h('p', {class: 'error', 'data-testid': 'clip-error'}, `Clip: ${msg}`), ...more);
}

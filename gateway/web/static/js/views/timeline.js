// Recordings: one camera's timeline over the last hour, 6 or 24 hours (#/timeline/<camera>):
// the spans its edge recorded (GET /api/cameras/{id}/recordings) and its
// anomalies as markers (GET /api/anomalies?camera=). A click on the bar,
// the scrubber or a marker plays from that moment: the segment holding it,
// then the next ones in turn; a marker with no recording there plays the
// anomaly's clip (clip.js). The window, up to 6 h, exports as one MP4.
//
// Test hooks: timeline-view, tl-camera, tl-window, tl-load, tl-bar (data-from,
// data-to: ms since 1970), tl-span (data-start, data-end), tl-marker (data-id,
// data-at), tl-scrub, tl-video (data-url of the segment playing), tl-now (data-at: ms
// since 1970 of the frame shown), tl-export, tl-empty, tl-error.

import {h, clear, button, select, fmtTime, toast} from '../dom.js';
import {get, esc} from '../api.js';
import {openClip} from '../clip.js';

const WINDOWS = [['3600', 'Last hour'], ['21600', 'Last 6 hours'], ['86400', 'Last 24 hours']];
const MAX_EXPORT = 6 * 3600e3;

/** mount shows the timeline of the camera named in the hash. */
export function mount(root) {
  const camera = h('input', {class: 'search', placeholder: 'camera id', 'data-testid': 'tl-camera', 'aria-label': 'camera',
    value: decodeURIComponent((location.hash.match(/^#\/timeline\/([^/?]+)/) || [])[1] || '')});
  const win = select({'data-testid': 'tl-window', 'aria-label': 'window'}, WINDOWS, '3600');
  const load = button('Show', {'data-testid': 'tl-load'});
  const bar = h('div', {class: 'tl-bar', 'data-testid': 'tl-bar', title: 'Click to play from there'});
  const scrub = h('input', {type: 'range', min: 0, max: 1000, value: 1000, class: 'tl-scrub', 'data-testid': 'tl-scrub', 'aria-label': 'position'});
  const video = h('video', {class: 'tl-video', 'data-testid': 'tl-video', controls: true, muted: true, autoplay: true, playsInline: true});
  const now = h('span', {class: 'muted', 'data-testid': 'tl-now'});
  const exp = h('a', {'data-testid': 'tl-export', download: '', hidden: true}, 'Export the window as MP4');
  const empty = h('p', {class: 'muted', 'data-testid': 'tl-empty', hidden: true}, 'Nothing recorded in this window.');
  const scale = h('div', {class: 'tl-scale'});
  root.append(h('section', {class: 'timeline-view', 'data-testid': 'timeline-view'},
    h('div', {class: 'toolbar'}, h('h2', {}, 'Recordings'), camera, win, load, exp),
    bar, scale, scrub, empty, h('div', {class: 'tl-player'}, video, now)));

  let segs = []; // {start, end (ms), url}, oldest first
  let from = 0;
  let to = 0;
  let playing = -1; // index in segs

  const at = (frac) => from + Math.max(0, Math.min(1, frac)) * (to - from);
  const pct = (t) => `${((t - from) / (to - from)) * 100}%`;

  const show = async () => {
    const cam = camera.value.trim();
    if (!cam) return;
    if (location.hash !== `#/timeline/${esc(cam)}`) history.replaceState(null, '', `#/timeline/${esc(cam)}`);
    to = Date.now();
    from = to - Number(win.value) * 1000;
    bar.dataset.from = String(from);
    bar.dataset.to = String(to);
    clear(bar);
    clear(scale).append(h('span', {}, fmtTime(new Date(from).toISOString())), h('span', {}, fmtTime(new Date(to).toISOString())));
    const range = {from: new Date(from).toISOString(), to: new Date(to).toISOString()};
    try {
      const [rec, anomalies] = await Promise.all([get(`/api/cameras/${esc(cam)}/recordings`, range),
        get('/api/anomalies', {camera: cam, ...range, limit: 500})]);
      segs = (rec.segments || []).map((s) => ({start: Date.parse(s.start), end: Date.parse(s.end), url: s.url}));
      for (const s of segs) {
        bar.append(spanEl(s));
      }
      for (const a of anomalies.items || []) bar.append(marker(a));
    } catch (e) {
      segs = [];
      bar.append(h('p', {class: 'error', 'data-testid': 'tl-error'}, e.message));
    }
    empty.hidden = segs.length > 0;
    const xFrom = Math.max(from, to - MAX_EXPORT);
    exp.href = `/api/cameras/${esc(cam)}/recordings/export?from=${esc(new Date(xFrom).toISOString())}&to=${esc(new Date(to).toISOString())}`;
    exp.textContent = to - from > MAX_EXPORT ? 'Export the last 6 hours as MP4' : 'Export the window as MP4';
    exp.hidden = segs.length === 0;
  };

  const spanEl = (s) => {
    const el = h('div', {class: 'tl-span', 'data-testid': 'tl-span', 'data-start': s.start, 'data-end': s.end,
      title: `${fmtTime(new Date(s.start).toISOString())} – ${fmtTime(new Date(s.end).toISOString())}`});
    el.style.left = pct(Math.max(s.start, from));
    el.style.width = `${Math.max(0.2, ((Math.min(s.end, to) - Math.max(s.start, from)) / (to - from)) * 100)}%`;
    return el;
  };

  const marker = (a) => {
    const t = Date.parse(a.started_at);
    const el = button('', {class: `tl-marker sev-${a.severity || 'info'}`, 'data-testid': 'tl-marker', 'data-id': a.id, 'data-at': t,
      title: `${a.kind} at ${fmtTime(a.started_at)}: play from 5 s before`, 'aria-label': `${a.kind} at ${fmtTime(a.started_at)}`,
      onclick: (e) => {
        e.stopPropagation();
        if (!playAt(t - 5000)) openClip(a.id); // not recorded continuously: its clip
      }});
    el.style.left = pct(t);
    return el;
  };

  // playAt plays from time t (ms): the segment holding it, or the next
  // one after it. It returns false when nothing is recorded from t on.
  const playAt = (t) => {
    let i = segs.findIndex((s) => s.end > t);
    if (i < 0) return false;
    if (segs[i].start - t > 60e3) return false; // nothing near t
    playSeg(i, Math.max(0, (t - segs[i].start) / 1000));
    return true;
  };

  const playSeg = (i, offset) => {
    playing = i;
    const s = segs[i];
    const seek = () => { video.currentTime = offset; video.play().catch(() => {}); };
    if (video.dataset.url === s.url && video.readyState >= 1) {
      seek();
      return;
    }
    video.dataset.url = s.url;
    video.addEventListener('loadedmetadata', seek, {once: true});
    video.src = s.url;
  };

  video.addEventListener('ended', () => {
    if (playing >= 0 && playing + 1 < segs.length) playSeg(playing + 1, 0);
  });
  video.addEventListener('timeupdate', () => {
    if (playing < 0 || !segs[playing]) return;
    const t = segs[playing].start + video.currentTime * 1000;
    now.dataset.at = String(Math.round(t));
    now.textContent = fmtTime(new Date(t).toISOString());
    if (!scrub.matches(':active')) scrub.value = String(Math.round(((t - from) / (to - from)) * 1000));
  });
  video.addEventListener('error', () => toast('this recording does not play here (H.265 plays in ffplay): export it', 'error'));

  bar.addEventListener('click', (e) => {
    const r = bar.getBoundingClientRect();
    if (!playAt(at((e.clientX - r.left) / r.width))) toast('nothing recorded there');
  });
  scrub.addEventListener('change', () => {
    if (!playAt(at(Number(scrub.value) / 1000))) toast('nothing recorded there');
  });
  load.addEventListener('click', show);
  win.addEventListener('change', show);
  camera.addEventListener('keydown', (e) => { if (e.key === 'Enter') show(); });
  show();
  return () => { video.pause(); video.removeAttribute('src'); };
}

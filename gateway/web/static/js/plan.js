// The plan of a site's airspace as SVG, drawn from the configured
// geofence, no-fly zones (hatched red), routes (polylines with numbered
// waypoints) and cameras (dots), with a drone as an arrow rotated by its
// heading. No map tiles: the console works offline.

// NS is the SVG namespace, read off an <svg> the HTML parser made (it
// places <svg> there by itself) rather than written out as a URL.
const NS = new DOMParser().parseFromString('<svg></svg>', 'text/html').body.firstChild.namespaceURI;
const W = 400;
const H = 300;
const PAD = 16;

/** s builds an SVG element with attributes. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// projection fits every point given into the drawing, north up, on a
// local equirectangular projection (metres east and north of the centre).
function projection(points) {
  if (!points.length) points = [{lat: 0, lon: 0}];
  const lat0 = points.reduce((a, p) => a + p.lat, 0) / points.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = points.map((p) => p.lon * k);
  const ys = points.map((p) => p.lat);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((W - 2 * PAD) / (x1 - x0 || 1e-4), (H - 2 * PAD) / (y1 - y0 || 1e-4));
  const ox = (W - (x1 - x0) * scale) / 2;
  const oy = (H - (y1 - y0) * scale) / 2;
  return (p) => [ox + (p.lon * k - x0) * scale, H - oy - (p.lat - y0) * scale];
}

const pts = (proj, poly) => poly.map((p) => proj(p).map((v) => v.toFixed(1)).join(',')).join(' ');

/**
 * drawPlan returns {svg, move(position), highlight(route)}: the site's plan
 * for one drone (key makes its pattern ids unique), the drone drawn at home
 * until move is called with a telemetry position {lat, lon, heading}.
 */
export function drawPlan(plan, key, home) {
  const all = [...(plan.geofence || [])];
  for (const z of plan.no_fly || []) all.push(...z.polygon);
  for (const r of plan.routes || []) all.push(...r.waypoints);
  for (const c of plan.cameras || []) if (c.location) all.push(c.location);
  if (home) all.push(home);
  const proj = projection(all);
  const hatch = `hatch-${key}`;
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'plan', role: 'img', 'aria-label': `plan of ${plan.site}`, 'data-testid': 'drone-plan'},
    s('defs', {}, s('pattern', {id: hatch, width: 8, height: 8, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'},
      s('line', {x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#ff5d5d', 'stroke-width': 3}))));
  if (plan.geofence && plan.geofence.length) {
    svg.append(s('polygon', {points: pts(proj, plan.geofence), class: 'geofence', 'data-testid': 'plan-geofence'}));
  }
  for (const z of plan.no_fly || []) {
    svg.append(s('polygon', {points: pts(proj, z.polygon), class: 'nofly', fill: `url(#${hatch})`, 'data-testid': 'plan-nofly', 'data-zone': z.name},
      s('title', {}, `no-fly: ${z.name}`)));
  }
  const routes = new Map();
  for (const r of plan.routes || []) {
    const g = s('g', {class: 'route', 'data-testid': 'plan-route', 'data-route': r.name},
      s('polyline', {points: pts(proj, r.waypoints)}), s('title', {}, `route ${r.name}`));
    r.waypoints.forEach((w, i) => {
      const [x, y] = proj(w);
      g.append(s('circle', {cx: x, cy: y, r: 7, class: 'wp'}), s('text', {x, y: y + 3.5, class: 'wp-n'}, i + 1));
    });
    routes.set(r.name, g);
    svg.append(g);
  }
  for (const c of plan.cameras || []) {
    if (!c.location) continue;
    const [x, y] = proj(c.location);
    svg.append(s('circle', {cx: x, cy: y, r: 4, class: 'camera', 'data-testid': 'plan-camera', 'data-camera': c.id}, s('title', {}, c.id)));
  }
  if (home) {
    const [x, y] = proj(home);
    svg.append(s('rect', {x: x - 5, y: y - 5, width: 10, height: 10, class: 'home', 'data-testid': 'plan-home'}, s('title', {}, 'home')));
  }
  const arrow = s('g', {class: 'drone-arrow', 'data-testid': 'drone-arrow'}, s('path', {d: 'M0,-11 L7,8 L0,4 L-7,8 Z'}));
  svg.append(arrow);
  const move = (pos) => {
    if (!pos) return;
    const [x, y] = proj(pos);
    arrow.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)}) rotate(${Number(pos.heading || 0).toFixed(0)})`);
    arrow.dataset.lat = pos.lat;
    arrow.dataset.lon = pos.lon;
    arrow.dataset.heading = pos.heading || 0;
    arrow.style.display = '';
  };
  arrow.style.display = 'none';
  if (home) move(home);
  const highlight = (name) => { for (const [n, g] of routes) g.classList.toggle('picked', n === name); };
  return {svg, move, highlight};
}

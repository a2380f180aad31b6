// The console's WHEP player: one receive-only PeerConnection per <video>,
// non-trickle (the offer carries every candidate), POST /whep/{camera}
// with the session token as a bearer token, the answer applied, and the
// Location DELETEd on close. A failed play is retried with exponential
// backoff; a refusal that retrying cannot fix (403 not allowed, 415 codec
// the browser cannot decode) stops with a message.
//
// ICE servers (STUN/TURN, from the gateway's config) are asked for before
// each attempt's RTCPeerConnection is built: an authenticated OPTIONS on
// the camera's WHEP endpoint answers them as Link headers (rel="ice-server";
// TURN credentials only to an authenticated request). The 201 carries the
// same headers (RFC 9725), but a complete offer is gathered before the POST,
// so servers learnt from the answer would need an ICE restart the gateway
// does not do; asking each attempt keeps credentials current across a
// gateway restart. Without an answer the player goes on without servers.
//
// Test hooks (drivers/peers Stats and AwaitDecoding read them, on the
// console and on the tests' viewer page alike): window.stats(key) returns
// {state, framesDecoded, frameWidth, frameHeight, codec} of the player with
// that key; window.argus.players maps keys to players. Keys are
// "wall:<camera>" for wall tiles and "live:<camera>" for the live panel.
// Each player also keeps performance.now() marks of its last attempt in
// .times (start, ice, post, answer, firstFrame, and firstDecoded when
// opts.pollDecoded is set), its last SDP offer in .offer and the ICE
// servers it used in .iceServers; the browser
// tests' viewer page (drivers/peers/viewer.html) is built on this module.

import {token} from './api.js';

/** players maps a player key to its Player. */
export const players = new Map();

const BACKOFF_MIN = 1000;
const BACKOFF_MAX = 30000;
// A connection that stays disconnected this long is rebuilt.
const DISCONNECT_GRACE = 5000;
// An answered offer whose connection is not up this long is tried again
// (ICE found no path, or the media never came).
const CONNECT_TIMEOUT = 20000;

/**
 * Player plays one camera into one <video>; onState(state, message, answer)
 * reports progress, with answer {status, body, location} when the state
 * follows a WHEP answer ('negotiated', 'refused', 'retrying' after a
 * refusal). opts.token returns the bearer token (default: the session's);
 * opts.pollDecoded, in ms, polls getStats after each answer until a frame
 * is decoded and marks times.firstDecoded (0, the default, polls nothing:
 * firstFrame, from requestVideoFrameCallback, costs nothing).
 */
export class Player {
  constructor(key, camera, video, onState = () => {}, opts = {}) {
    this.key = key;
    this.camera = camera;
    this.video = video;
    this.onState = onState;
    this.token = opts.token || token;
    this.pollDecoded = opts.pollDecoded || 0;
    this.times = {};
    this.offer = '';
    this.iceServers = [];
    this.pc = null;
    this.location = '';
    this.closed = false;
    this.backoff = BACKOFF_MIN;
    this.retryTimer = 0;
    this.graceTimer = 0;
    this.connectTimer = 0;
    this.decodedTimer = 0;
    this.attempt = 0;
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    players.set(key, this);
  }

  /** start plays, retrying after failures until stop. */
  start() {
    this.connect();
    return this;
  }

  /** stop ends the session (DELETE on the resource) and any retry. */
  stop() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.teardown();
    if (players.get(this.key) === this) players.delete(this.key);
  }

  // connect makes one attempt; a failure schedules the next.
  async connect() {
    const attempt = ++this.attempt;
    this.teardown();
    this.onState('connecting', this.backoff > BACKOFF_MIN ? 'reconnecting…' : 'connecting…');
    try {
      await this.negotiate(attempt);
    } catch (e) {
      if (this.closed || attempt !== this.attempt) return;
      if (e.permanent) {
        this.teardown();
        this.onState('refused', e.message, e.answer);
        return;
      }
      this.retry(e.message, e.answer);
    }
  }

  // negotiate builds the PeerConnection and exchanges SDP with the gateway.
  async negotiate(attempt) {
    const t = {start: performance.now()};
    this.times = t;
    if (this.video.requestVideoFrameCallback) {
      this.video.requestVideoFrameCallback((now) => { if (this.times === t) t.firstFrame = now; });
    }
    const servers = await iceServers(this.camera, this.token());
    t.ice = performance.now();
    if (this.closed || attempt !== this.attempt) return;
    const pc = newPeerConnection(servers);
    this.iceServers = servers;
    this.pc = pc;
    pc.addTransceiver('video', {direction: 'recvonly'});
    pc.ontrack = (e) => {
      this.video.srcObject = e.streams[0] || new MediaStream([e.track]);
      this.video.play().catch(() => { /* muted autoplay is allowed; a detached video may refuse */ });
    };
    pc.onconnectionstatechange = () => this.watchConnection(pc);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    if (this.closed || attempt !== this.attempt) return;
    this.offer = pc.localDescription.sdp;
    t.post = performance.now();
    const resp = await fetch(`/whep/${encodeURIComponent(this.camera)}`, {
      method: 'POST',
      headers: {'Content-Type': 'application/sdp', Authorization: `Bearer ${this.token()}`},
      body: pc.localDescription.sdp,
    });
    const body = await resp.text();
    t.answer = performance.now();
    if (resp.status !== 201) throw refusal(resp.status, body);
    const location = resp.headers.get('Location') || '';
    if (this.closed || attempt !== this.attempt) {
      release(location, this.token());
      return;
    }
    this.location = location;
    await pc.setRemoteDescription({type: 'answer', sdp: body});
    this.onState('negotiated', 'waiting for video…', {status: resp.status, body: '', location});
    this.markDecoded(pc, t);
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (pc === this.pc && pc.connectionState !== 'connected') this.retry('no connection');
    }, CONNECT_TIMEOUT);
  }

  // watchConnection reports the connection and rebuilds it when it fails.
  watchConnection(pc) {
    if (pc !== this.pc || this.closed) return;
    clearTimeout(this.graceTimer);
    switch (pc.connectionState) {
      case 'connected':
        clearTimeout(this.connectTimer);
        this.backoff = BACKOFF_MIN;
        this.onState('playing', '');
        break;
      case 'disconnected':
        this.onState('connecting', 'connection interrupted…');
        this.graceTimer = setTimeout(() => this.retry('connection lost'), DISCONNECT_GRACE);
        break;
      case 'failed':
        this.retry('connection failed');
        break;
      default:
    }
  }

  // markDecoded polls pc's statistics every pollDecoded ms until a frame is
  // decoded, marking t.firstDecoded (a second figure beside firstFrame).
  markDecoded(pc, t) {
    if (!this.pollDecoded) return;
    clearInterval(this.decodedTimer);
    this.decodedTimer = setInterval(async () => {
      if (pc !== this.pc) return;
      const s = await this.stats();
      if (s.framesDecoded > 0 && pc === this.pc && !t.firstDecoded) {
        t.firstDecoded = performance.now();
        clearInterval(this.decodedTimer);
      }
    }, this.pollDecoded);
  }

  // retry schedules the next attempt after the current backoff, doubling it;
  // answer is the refusal that caused it, if any.
  retry(why, answer) {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.teardown();
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX);
    this.onState('retrying', `${why}; retrying in ${Math.round(wait / 1000)} s`, answer);
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  // teardown closes the PeerConnection and releases the WHEP resource.
  teardown() {
    clearTimeout(this.graceTimer);
    clearTimeout(this.connectTimer);
    clearInterval(this.decodedTimer);
    release(this.location, this.token());
    this.location = '';
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
      this.pc = null;
    }
  }

  /** stats reads the inbound video statistics (getStats). */
  async stats() {
    const out = {state: this.pc ? this.pc.connectionState : 'none', framesDecoded: 0, frameWidth: 0, frameHeight: 0, codec: ''};
    if (!this.pc) return out;
    const report = await this.pc.getStats();
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.framesDecoded = s.framesDecoded || 0;
        out.frameWidth = s.frameWidth || 0;
        out.frameHeight = s.frameHeight || 0;
        const c = s.codecId && report.get(s.codecId);
        out.codec = c ? c.mimeType : '';
      }
    });
    return out;
  }
}

// iceServers asks the camera's WHEP endpoint for its ICE servers (OPTIONS
// with the bearer token); [] when it cannot say (a refusal, a network
// error: the POST that follows reports those).
async function iceServers(camera, bearer) {
  try {
    const resp = await fetch(`/whep/${encodeURIComponent(camera)}`, {
      method: 'OPTIONS', headers: {Authorization: `Bearer ${bearer}`},
    });
    return resp.ok ? parseIceLinks(resp.headers.get('Link') || '') : [];
  } catch {
    return [];
  }
}

// newPeerConnection builds the player's RTCPeerConnection with servers, or
// without any should the browser refuse them (a URL it does not support).
function newPeerConnection(servers) {
  try {
    return new RTCPeerConnection({iceServers: servers});
  } catch {
    return new RTCPeerConnection();
  }
}

/**
 * parseIceLinks reads Link header values (several joined by ", ", as
 * fetch's Headers.get joins them) into RTCIceServer dictionaries: each
 * `<url>; rel="ice-server"` is one server, with its username and
 * credential attributes when it has them (RFC 9725 §4.6, RFC 8288).
 */
export function parseIceLinks(header) {
  const servers = [];
  for (const link of splitLinks(header)) {
    const m = /^\s*<([^>]*)>(.*)$/s.exec(link);
    if (!m) continue;
    const params = {};
    for (const p of m[2].matchAll(/;\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
      params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
    }
    if (!(params.rel || '').split(/\s+/).includes('ice-server')) continue;
    const server = {urls: m[1]};
    if (params.username !== undefined) server.username = params.username;
    if (params.credential !== undefined) server.credential = params.credential;
    servers.push(server);
  }
  return servers;
}

// splitLinks splits a Link header at the commas between links: not those
// inside a <URL> or a quoted attribute.
function splitLinks(header) {
  const links = [];
  let cur = '';
  let inURL = false;
  let inQuote = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (inQuote) {
      cur += c;
      if (c === '\\') cur += header[++i] || '';
      else if (c === '"') inQuote = false;
      continue;
    }
    if (c === ',' && !inURL) {
      links.push(cur);
      cur = '';
      continue;
    }
    if (c === '"') inQuote = true;
    else if (c === '<') inURL = true;
    else if (c === '>') inURL = false;
    cur += c;
  }
  if (cur.trim()) links.push(cur);
  return links;
}

// release DELETEs a WHEP session resource (best effort: the gateway also ends idle ones).
function release(location, bearer) {
  if (!location) return;
  fetch(location, {method: 'DELETE', headers: {Authorization: `Bearer ${bearer}`}}).catch(() => {});
}

// gathered resolves when ICE gathering completes (non-trickle WHEP).
function gathered(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const done = () => {
      if (pc.iceGatheringState === 'complete') resolve();
    };
    pc.addEventListener('icegatheringstatechange', done);
  });
}

// refusal turns a WHEP answer other than 201 into an Error carrying the
// answer; permanent ones stop retrying.
function refusal(status, body) {
  const text = errorText(body);
  let e;
  switch (status) {
    case 415:
      e = new Error(`This browser cannot play the camera's codec: ${text}`);
      e.permanent = true;
      break;
    case 403:
      e = new Error(`Not allowed to watch this camera: ${text}`);
      e.permanent = true;
      break;
    case 401:
      e = new Error('Session ended: sign in again');
      e.permanent = true;
      break;
    default:
      e = new Error(`gateway answered ${status}${text ? `: ${text}` : ''}`);
  }
  e.status = status;
  e.answer = {status, body, location: ''};
  return e;
}

// errorText reads a WHEP error body, JSON {"error"} or plain text.
function errorText(body) {
  const t = (body || '').trim();
  try { return JSON.parse(t).error || t; } catch { return t; }
}

/** stats is the test hook drivers/peers calls: the statistics of the player with key. */
async function stats(key) {
  const p = players.get(key);
  if (!p) return {state: 'none', framesDecoded: 0, frameWidth: 0, frameHeight: 0, codec: ''};
  return p.stats();
}

window.stats = stats;
window.argus = Object.assign(window.argus || {}, {players});

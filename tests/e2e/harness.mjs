// Shared end-to-end harness: a static server for dist/ (optionally under a sub-path) and
// Debian's Chromium driven by playwright-core, with console errors and requests recorded.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
export const dist = process.env.PAMELA_DIST || path.join(repo, 'dist');

/** The `pamela` command line: PAMELA_BIN, else the one `cargo test` or `cargo build` left
 * (debug, then release), else a debug build made now. */
export function pamelaBin() {
  if (process.env.PAMELA_BIN) return process.env.PAMELA_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(repo, 'target');
  for (const p of ['debug', 'release'].map((d) => path.join(target, d, 'pamela'))) {
    if (fs.existsSync(p)) return p;
  }
  execFileSync('cargo', ['build', '--quiet', '--bin', 'pamela'], { cwd: repo, stdio: 'inherit' });
  return path.join(target, 'debug', 'pamela');
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.onnx': 'application/octet-stream',
  '.pamb': 'application/octet-stream', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/**
 * Serves `root` under `base` (e.g. '/PAMELA/') on 127.0.0.1. `overrides` maps a path below
 * base to a Buffer or to a function (req, res) => void, to serve broken files on purpose.
 * Every response is gzip-compressed when the browser asks, like a static host would, and the
 * bytes sent are counted per path.
 */
export async function serve({ root = dist, base = '/', overrides = {} } = {}) {
  const sent = new Map();
  // Every answer with its size and when it was asked for (this machine's clock, like the page's
  // performance.timeOrigin), so that a benchmark can tell the first view's requests from later.
  const log = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = decodeURIComponent(url.pathname);
    if (!p.startsWith(base)) { res.writeHead(404); res.end('outside base'); return; }
    p = p.slice(base.length);
    if (p === '' || p.endsWith('/')) p += 'index.html';
    const o = overrides[p];
    if (typeof o === 'function') { o(req, res); return; }
    let body;
    if (Buffer.isBuffer(o)) body = o;
    else {
      const file = path.join(root, p);
      if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        res.writeHead(404); res.end('not found'); return;
      }
      body = fs.readFileSync(file);
    }
    const type = TYPES[path.extname(p)] || 'application/octet-stream';
    const gz = /\bgzip\b/.test(req.headers['accept-encoding'] || '');
    const out = gz ? zlib.gzipSync(body, { level: 9 }) : body;
    sent.set(p, (sent.get(p) || 0) + out.length);
    log.push({ path: p, bytes: out.length, at: Date.now() });
    res.writeHead(200, {
      'content-type': type, 'content-length': out.length, 'cache-control': 'no-store',
      ...(gz ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(out);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}${base}`,
    sent,
    log,
    // Closing ends idle keep-alive connections too (Node 18.2+): a worker that abandoned a
    // download must not hold the test for the keep-alive timeout.
    close: () => new Promise((r) => { server.close(r); server.closeAllConnections?.(); }),
  };
}

/** Every Chromium renderer process on the machine with its resident memory and its peak (bytes),
 * from /proc (the JS heap figure hides what the renderer really holds). */
export function renderers() {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom/.test(cmd) || !cmd.includes('--type=renderer')) continue;
      const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k) => Number((st.match(new RegExp(`${k}:\\s+(\\d+)`)) || [0, 0])[1]);
      out.push({ pid, rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 });
    } catch { /* gone */ }
  }
  return out;
}

/** Resets each renderer's peak (VmHWM) to its current size (Linux: clear_refs 5), so that the
 * next reading of `hwm` is the peak since now. */
export function resetPeaks() {
  for (const p of renderers()) { try { fs.writeFileSync(`/proc/${p.pid}/clear_refs`, '5'); } catch { /* not ours */ } }
}

/** A fresh headless Chromium (new profile each time) with flags that work as root. */
export async function launch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pamela-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--disable-dev-shm-usage'],
  });
  return {
    context,
    close: async () => { await context.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Opens a page that records console errors, page errors and every request's origin. */
export async function open(context, url, { viewport } = {}) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  return { page, errors, requests };
}

/** Requests that left the page's origin (allowing data:, blob: and `allowed` origins). */
export function foreign(requests, origin, allowed = []) {
  return requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const o = new URL(u).origin;
    return o !== origin && !allowed.includes(o);
  });
}

/** The `p` quantile (0..1) of `xs`, nearest rank. */
export const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };

/**
 * Times `n` filter changes on a loaded page: each clicks a filter checkbox (every 7th, round the
 * panel) right after the browser drew a frame, and stops the clock at the next task. The app's
 * updates all run as microtasks of the click, so that is when every view's DOM is updated (a
 * frame can only slip in if the update outlasts the frame interval). Then, for reference, the
 * same plus style and layout of the new DOM. Each change is undone before the next, so every
 * change starts from a similar selection. Returns `{ dom, layout, windows, changed }` (ms lists,
 * each change's [start, end] on the page's clock, and how many changes changed the selected count).
 */
export async function filterChanges(page, n) {
  return page.evaluate(async (n) => {
    const boxes = [...document.querySelectorAll('.sidebar input[type=checkbox]')];
    const tick = () => new Promise((r) => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0); });
    const afterFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const settle = () => new Promise((r) => setTimeout(r, 160)); // the debounced URL write passes
    const count = () => document.querySelector('[data-testid="selected-count"] strong').textContent;
    const dom = [];
    const layout = [];
    const windows = [];
    let changed = 0;
    for (let k = 0; k < n; k++) {
      const box = boxes[(k * 7) % boxes.length];
      const before = count();
      await settle();
      await afterFrame();
      const t0 = performance.now();
      box.click();
      await tick();
      const t1 = performance.now();
      void document.body.offsetHeight;
      const t2 = performance.now();
      dom.push(t1 - t0);
      layout.push(t2 - t0);
      windows.push([t0, t1]);
      if (count() !== before) changed++;
      box.click();
      await tick();
    }
    return { dom, layout, windows, changed };
  }, n);
}

// Times a drag across a brushable chart: a pointer goes down near the left of `selector`'s
// plot and moves right and back in `n` steps, one per frame; each move is timed until every
// view's DOM is updated (as in `filterChanges`). `pointerType` is 'mouse', 'pen' or 'touch'.
export async function brushMoves(page, selector, n, pointerType = 'mouse') {
  return page.evaluate(async ({ selector, n, pointerType }) => {
    const svg = document.querySelector(selector);
    const r = svg.getBoundingClientRect();
    const y = r.top + r.height / 2;
    const tick = () => new Promise((res) => { const ch = new MessageChannel(); ch.port1.onmessage = () => res(); ch.port2.postMessage(0); });
    const afterFrame = () => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
    const count = () => document.querySelector('[data-testid="selected-count"] strong').textContent;
    const at = (type, x) => svg.dispatchEvent(new PointerEvent(type, {
      bubbles: true, cancelable: true, pointerId: 7, pointerType, isPrimary: true, button: 0, buttons: type === 'pointerup' ? 0 : 1,
      clientX: x, clientY: y,
    }));
    const x0 = r.left + 60;
    const span = r.width - 80;
    at('pointerdown', x0);
    const dom = [];
    const counts = new Set();
    for (let k = 1; k <= n; k++) {
      await afterFrame();
      // Out and back along the axis, so ranges grow and shrink.
      const f = (k % 40) / 40;
      const x = x0 + span * (f < 0.5 ? 2 * f : 2 - 2 * f) + 6;
      const t0 = performance.now();
      at('pointermove', x);
      await tick();
      dom.push(performance.now() - t0);
      counts.add(count());
    }
    at('pointerup', x0 + 6);
    return { dom, distinct: counts.size };
  }, { selector, n, pointerType });
}

/** One published PAMELA record (the split files' shape) for tests that make their own files. */
export function record(p, image, score, extra = {}) {
  return {
    image_path: `./images/${String(image).padStart(8, '0')}-0000-4000-8000-000000000000.png`,
    image_id: image,
    participant_id: p,
    image_metadata: { group: 'landscape', style: 'Impressionism', category: 'AI image', prompt: 'A quiet lake', type: 'Art' },
    user_demographics: { age: 30, age_binned: 'thirties', gender: 'female', nationality: 'Germany' },
    quality_label: ['poor', 'fair', 'good', 'great', 'excellent'][Math.round(score) - 1],
    original_score: score,
    ...extra,
  };
}

// Browser benchmark (prints figures; never a pass/fail on time). Run after `trunk build --release`:
//   node tests/e2e/bench.mjs
// 1. navigation to first chart, cold cache (fresh profile each run), median of 5;
// 2. first-view transfer in gzip bytes (what a gzip-serving static host sends);
// 3. filter change to every view updated in the DOM, p50 and p95 over 200 changes. Each change
//    starts right after the browser drew a frame; the app's updates all run as microtasks of the
//    click, so the time until the next task is the time until every view's DOM is updated (a
//    frame can only slip in if the update outlasts the frame interval). Then, for reference,
//    the same plus style and layout of the new DOM;
//    then brushing: a drag across the score and the age histograms, one pointer move per frame,
//    each move timed the same way.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, open, dist, filterChanges, brushMoves, pct } from './harness.mjs';

const server = await serve({ base: '/' });
const firsts = [];
let transfer = null;
let later = null;
for (let run = 0; run < 5; run++) {
  const b = await launch();
  server.log.length = 0;
  const { page } = await open(b.context, server.url);
  await page.waitForFunction(() => performance.getEntriesByName('pamela:first-chart').length > 0, null, { timeout: 30000 });
  const [first, wall] = await page.evaluate(() => { const t = performance.getEntriesByName('pamela:first-chart')[0].startTime; return [t, performance.timeOrigin + t]; });
  firsts.push(first);
  if (run === 0) {
    // The first view: what was asked for before the first chart was drawn. What the page
    // fetches after it (the images' prompts), counted apart after a moment.
    await new Promise((r) => setTimeout(r, 2000));
    const sum = (xs) => { const m = new Map(); for (const x of xs) m.set(x.path, (m.get(x.path) || 0) + x.bytes); return m; };
    transfer = sum(server.log.filter((x) => x.at <= wall));
    later = sum(server.log.filter((x) => x.at > wall));
  }
  await b.close();
}
console.log('PAMELA Explorer browser benchmark (headless Chromium, 127.0.0.1, release build)');
console.log(`navigation to first chart (cold cache): median ${pct(firsts, 0.5).toFixed(0)} ms, runs ${firsts.map((x) => x.toFixed(0)).join(', ')}`);
let total = 0;
for (const [p, n] of [...transfer.entries()].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${p.padEnd(40)} ${String(n).padStart(8)} bytes gzip`);
  total += n;
}
console.log(`first-view transfer (asked for before the first chart): ${total} bytes gzip (${(total / 1024).toFixed(0)} KB; target under 700 KB)`);
for (const [p, n] of later) console.log(`  after the first chart: ${p.padEnd(26)} ${String(n).padStart(8)} bytes gzip`);

const b = await launch();
const { page } = await open(b.context, server.url);
await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
const times = await filterChanges(page, 200);
console.log(`filter change to every view updated in the DOM (${times.dom.length} changes, ${times.changed} changed the count): p50 ${pct(times.dom, 0.5).toFixed(1)} ms, p95 ${pct(times.dom, 0.95).toFixed(1)} ms; with style and layout: p50 ${pct(times.layout, 0.5).toFixed(1)} ms, p95 ${pct(times.layout, 0.95).toFixed(1)} ms`);
for (const [name, sel] of [['score histogram', '#distribution svg.chart'], ['age histogram', '#ages svg.chart']]) {
  const moves = await brushMoves(page, sel, 200);
  console.log(`brushing the ${name}: pointer move to every view updated in the DOM (${moves.dom.length} moves, ${moves.distinct} distinct selections): p50 ${pct(moves.dom, 0.5).toFixed(1)} ms, p95 ${pct(moves.dom, 0.95).toFixed(1)} ms (target p50 under 16 ms)`);
}
// The "How personal is taste?" view computes after the filters settle (not inside the filter
// change above): its own time per computation, as the card records it, over 20 changes.
{
  const tastes = await page.evaluate(async () => {
    const boxes = [...document.querySelectorAll('.sidebar input[type=checkbox]')];
    const card = () => document.querySelector('#taste .taste-facts');
    const fresh = () => document.querySelector('[data-testid="taste-stale"]').classList.contains('hidden');
    const wait = async () => { while (!fresh()) await new Promise((r) => setTimeout(r, 5)); };
    const one = [];
    const all = [];
    for (let k = 0; k < 20; k++) {
      // A box narrows the selection to one value; the second click gives back all the data.
      for (const into of [one, all]) {
        boxes[(k * 5) % boxes.length].click();
        await new Promise((r) => setTimeout(r, 0));
        await wait();
        into.push(Number(card().dataset.ms));
      }
    }
    return { one, all };
  });
  console.log(`"How personal is taste?" computation on the page's main thread, 20 times each (target under 50 ms): all 69,904 ratings p50 ${pct(tastes.all, 0.5).toFixed(1)} ms, p95 ${pct(tastes.all, 0.95).toFixed(1)} ms; one filter value p50 ${pct(tastes.one, 0.5).toFixed(1)} ms`);
}
await b.close();

// 4. The predictor: worker wasm size, model load and optimize time in the worker, scoring every
//    image, and the few-shot refit, as the worker measures them (performance.now() around
//    each step) and the panel shows them.
const wasmFile = fs.readdirSync(dist).find((f) => /^predict-worker_bg\.wasm$/.test(f));
const raw = fs.readFileSync(path.join(dist, wasmFile));
console.log(`predictor wasm: ${raw.length} bytes raw, ${zlib.gzipSync(raw, { level: 9 }).length} bytes gzip (target under 2 MB = 2097152 bytes)`);
const loads = [];
const encodes = [];
const bases = [];
const fits = [];
const suggests = [];
const predicts = [];
for (let run = 0; run < 3; run++) {
  const bb = await launch();
  const { page: p } = await open(bb.context, server.url);
  await p.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  const marks = () => p.evaluate(() => performance.getEntriesByName('pamela:predicted').length);
  const next = async (n) => p.waitForFunction((k) => performance.getEntriesByName('pamela:predicted').length > k, n, { timeout: 60000 });
  const read = () => p.evaluate(() => { const t = document.querySelector('#for-you .timings'); return t ? { ...t.dataset } : null; });
  let n = await marks();
  await p.click('#fy-predict');
  await next(n);
  await p.waitForSelector('#for-you .timings');
  loads.push(Number((await read()).load));
  encodes.push(Number((await read()).items));
  // New profiles: the first scoring pass for a profile (every image, no personal part yet).
  for (let k = 0; k < 10; k++) {
    n = await marks();
    await p.fill('#fy-age', String(20 + k * 4));
    await p.click('#fy-predict');
    await next(n);
    bases.push(Number((await read()).base));
  }
  // Ratings: each one refits the personal part and scores every image again.
  for (let k = 0; k < 12; k++) {
    n = await marks();
    await p.locator('#for-you .fy-rate li').first().locator(`button[aria-label="Rate ${1 + (k % 5)} of 5"]`).click();
    await next(n);
    const t = await read();
    fits.push(Number(t.fit));
    suggests.push(Number(t.suggest));
    predicts.push(Number(t.predict));
  }
  await bb.close();
}
console.log(`model load and optimize in the worker: median ${pct(loads, 0.5).toFixed(0)} ms (runs ${loads.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`the images through the model's image side (once per data set): median ${pct(encodes, 0.5).toFixed(0)} ms`);
console.log(`predict all 5,077 images for a new profile: p50 ${pct(bases, 0.5).toFixed(2)} ms, p95 ${pct(bases, 0.95).toFixed(2)} ms (${bases.length} profiles)`);
console.log(`predict all 5,077 images with the personal part: p50 ${pct(predicts, 0.5).toFixed(2)} ms, p95 ${pct(predicts, 0.95).toFixed(2)} ms (target under 30 ms)`);
console.log(`few-shot refit (closed form): p50 ${pct(fits, 0.5).toFixed(3)} ms, p95 ${pct(fits, 0.95).toFixed(3)} ms (target under 5 ms; ${fits.length} refits)`);
console.log(`choosing the next images to rate (greedy, over every image): p50 ${pct(suggests, 0.5).toFixed(2)} ms, p95 ${pct(suggests, 0.95).toFixed(2)} ms`);
console.log(`a rating to every prediction updated, in the worker (refit + choice + scoring): p50 ${pct(fits.map((f, i) => f + suggests[i] + predicts[i]), 0.5).toFixed(2)} ms`);

// 5. Training in the page ("Train on this data") on the default data: the time from the click
//    to the trained and evaluated model (the worker's own figure, shown in the panel), and the
//    longest main-thread task meanwhile (the page stays responsive).
const trains = [];
const longest = [];
for (let run = 0; run < 2; run++) {
  const bb = await launch();
  const { page: p } = await open(bb.context, server.url);
  await p.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  await p.click('#fy-predict');
  await p.waitForSelector('#train-start', { timeout: 60000 });
  // After the first prediction and its calibration, so that only the training is watched.
  await p.waitForSelector('#fy-top li', { timeout: 60000 });
  await p.waitForTimeout(2000);
  await p.evaluate(() => {
    window.__long = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long = Math.max(window.__long, e.duration); }).observe({ type: 'longtask' });
  });
  await p.click('#train-start');
  await p.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('#train-status')?.dataset.state), null, { timeout: 300000 });
  const state = await p.getAttribute('#train-status', 'data-state');
  if (state !== 'done') throw new Error(`training failed: ${await p.textContent('#train-status')}`);
  trains.push(Number(await p.getAttribute('#train-status', 'data-ms')));
  longest.push(await p.evaluate(() => window.__long));
  await bb.close();
}
console.log(`training in the page on the default data (600 epochs, then the evaluation): ${trains.map((x) => (x / 1000).toFixed(1)).join(' s, ')} s (target under 60 s); longest main-thread task meanwhile: ${longest.map((x) => x.toFixed(0)).join(', ')} ms`);
await server.close();

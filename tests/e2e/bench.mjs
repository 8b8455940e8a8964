// Browser benchmark (prints figures; never a pass/fail on time). Run after `trunk build --release`:
//   node tests/e2e/bench.mjs
// 1. navigation to first chart, cold cache (fresh profile each run), median of 5;
// 2. first-view transfer in gzip bytes (what a gzip-serving static host sends);
// 3. filter change to every view updated in the DOM, p50 and p95 over 200 changes. Each change
//    starts right after the browser drew a frame; the app's updates all run as microtasks of the
//    click, so the time until the next task is the time until every view's DOM is updated (a
//    frame can only slip in if the update outlasts the frame interval). Then, for reference,
//    the same plus style and layout of the new DOM.
import { serve, launch, open } from './harness.mjs';

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };

const server = await serve({ base: '/' });
const firsts = [];
let transfer = null;
for (let run = 0; run < 5; run++) {
  const b = await launch();
  server.sent.clear();
  const { page } = await open(b.context, server.url);
  await page.waitForFunction(() => performance.getEntriesByName('pamela:first-chart').length > 0, null, { timeout: 30000 });
  firsts.push(await page.evaluate(() => performance.getEntriesByName('pamela:first-chart')[0].startTime));
  if (run === 0) transfer = new Map(server.sent);
  await b.close();
}
console.log('PAMELA Explorer browser benchmark (headless Chromium, 127.0.0.1, release build)');
console.log(`navigation to first chart (cold cache): median ${pct(firsts, 0.5).toFixed(0)} ms, runs ${firsts.map((x) => x.toFixed(0)).join(', ')}`);
let total = 0;
for (const [p, n] of [...transfer.entries()].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${p.padEnd(40)} ${String(n).padStart(8)} bytes gzip`);
  total += n;
}
console.log(`first-view transfer: ${total} bytes gzip (${(total / 1024).toFixed(0)} KB; target under 700 KB)`);

const b = await launch();
const { page } = await open(b.context, server.url);
await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
const times = await page.evaluate(async () => {
  const boxes = [...document.querySelectorAll('.sidebar input[type=checkbox]')];
  const tick = () => new Promise((r) => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0); });
  const afterFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const settle = () => new Promise((r) => setTimeout(r, 160)); // the debounced URL write passes
  const count = () => document.querySelector('[data-testid="selected-count"] strong').textContent;
  const dom = [];
  const layout = [];
  let changed = 0;
  for (let k = 0; k < 200; k++) {
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
    if (count() !== before) changed++;
    box.click(); // undo, so every change starts from a similar selection
    await tick();
  }
  return { dom, layout, changed };
});
console.log(`filter change to every view updated in the DOM (${times.dom.length} changes, ${times.changed} changed the count): p50 ${pct(times.dom, 0.5).toFixed(1)} ms, p95 ${pct(times.dom, 0.95).toFixed(1)} ms; with style and layout: p50 ${pct(times.layout, 0.5).toFixed(1)} ms, p95 ${pct(times.layout, 0.95).toFixed(1)} ms`);
await b.close();
await server.close();

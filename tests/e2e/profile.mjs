// Where a filter change spends its time: a CPU profile (Chrome DevTools protocol) over `n`
// filter changes, counting only the samples inside each change's timed window (click to every
// view updated, as `filterChanges` times it), self time summed per function, top first. Run on
// a build whose wasm keeps its name section (see the README's "Profiling"):
//   PAMELA_DIST=/tmp/dist-prof node tests/e2e/profile.mjs [n]
import { serve, launch, open, filterChanges, pct } from './harness.mjs';

const n = Number(process.argv[2] || 100);
const server = await serve({ base: '/' });
const b = await launch();
const { page } = await open(b.context, server.url);
await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
await filterChanges(page, 20); // warm up
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
// A busy loop of known start on the page's clock ties the profile's clock to it.
const mark = await page.evaluate(() => {
  // eslint-disable-next-line no-inner-declarations
  function pamelaCalibrate() { const t = performance.now(); while (performance.now() - t < 30) { /* spin */ } return t; }
  return pamelaCalibrate();
});
const times = await filterChanges(page, n);
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const stamps = [];
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) { t += profile.timeDeltas[i]; stamps.push(t); }
const first = profile.samples.findIndex((s) => byId.get(s).callFrame.functionName === 'pamelaCalibrate');
const offset = stamps[first] - mark * 1000; // profile µs = page ms * 1000 + offset
const wins = times.windows.map(([a, z]) => [a * 1000 + offset, z * 1000 + offset]);
console.log(`filter change p50 ${pct(times.dom, 0.5).toFixed(1)} ms, p95 ${pct(times.dom, 0.95).toFixed(1)} ms over ${n} (profiler running)`);
const self = new Map();
const incl = new Map(); // time with the function anywhere on the stack
const parent = new Map();
for (const x of profile.nodes) for (const c of x.children || []) parent.set(c, x.id);
const short = (f) => `${f.functionName || '(anon)'} ${f.url ? f.url.split('/').pop().replace(/-[0-9a-f]{16}/, '') : ''}`
  .replace(/::h[0-9a-f]{16}/g, '').replace(/\[[0-9a-f]{16}\]/g, '');
let w = 0;
let inside = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const ts = stamps[i];
  while (w < wins.length && wins[w][1] < ts) w++;
  if (w >= wins.length) break;
  if (ts < wins[w][0]) continue;
  const dt = (profile.timeDeltas[i + 1] || 0) / 1000;
  const f = byId.get(profile.samples[i]).callFrame;
  const name = short(f);
  self.set(name, (self.get(name) || 0) + dt);
  const seen = new Set();
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) seen.add(short(byId.get(id).callFrame));
  for (const k of seen) incl.set(k, (incl.get(k) || 0) + dt);
  inside += dt;
}
console.log(`sampled inside the windows: ${(inside / n).toFixed(2)} ms per change`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP || 50))) {
  console.log(`${(v / n).toFixed(3).padStart(8)} ms  ${k.slice(0, 150)}`);
}
// Self time by where the code comes from.
const group = (k) => {
  if (!/wasm/.test(k)) {
    if (/app\.js|inline0\.js/.test(k)) return 'JS glue (wasm-bindgen, patch applier)';
    if (/^\((program|garbage collector)\)/.test(k)) return k.trim();
    return 'browser native (DOM)';
  }
  const m = k.match(/^<?([a-z_]+)/);
  const c = m ? m[1] : '?';
  if (/^(reactive_graph|tachys|leptos|any_spawner|or_poisoned)/.test(c)) return 'leptos (reactive_graph, tachys)';
  if (/dlmalloc|alloc|__rdl|__rust|memcpy|memset|memcmp|memmove/.test(k)) return 'allocation and memory';
  if (/^core|^std|fmt/.test(c)) return 'core and std (formatting, iterators)';
  return c;
};
const groups = new Map();
for (const [k, v] of self) groups.set(group(k), (groups.get(group(k)) || 0) + v);
console.log('self time by origin:');
for (const [k, v] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${(v / n).toFixed(3).padStart(8)} ms  ${k}`);
const match = new RegExp(process.env.INCL || '^pamela_explorer::components|^pamela_core::|redraw|apply_patches|render::|patch::');
console.log('inclusive (function anywhere on the stack):');
for (const [k, v] of [...incl].filter(([k]) => match.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 60)) {
  console.log(`${(v / n).toFixed(3).padStart(8)} ms  ${k.slice(0, 150)}`);
}
await b.close();
process.exit(0);

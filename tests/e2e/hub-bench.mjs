// Benchmark of loading from the Hub (prints figures; never a pass/fail), against the local
// stand-in Hub (standin-hub.mjs) on the release build:
//   node tests/e2e/hub-bench.mjs [FOLDER_OF_SPLIT_FILES] [--million]
// Without a folder, `pamela synth --seed 7` writes five JSON files of the card's counts (about
// 35 MB, the shape of the published files) to a temporary folder.
// 1. One click to the first chart of the downloaded data (cold profile), the page's long tasks
//    meanwhile (the main thread must stay under 50 ms per task), and the renderers' peak
//    resident memory above what they held before, against the bytes downloaded.
// 2. The second visit: a reload of the link the load wrote (it names the commit), opened from the
//    copy kept in Cache Storage: time from navigation to the first chart of that data.
// 3. With --million: the same files grown to a million ratings (each participant copied 15
//    times under new ids, JSON Lines), loaded the same way, then 100 filter changes timed to every
//    view updated in the DOM (p50 target under 33 ms).
// Run it alone: it sums every Chromium renderer on the machine for the memory figure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, filterChanges, pct, renderers, resetPeaks, pamelaBin } from './harness.mjs';
import { startHub } from './standin-hub.mjs';

const args = process.argv.slice(2);
const million = args.includes('--million');
let folder = args.find((a) => !a.startsWith('--'));
const made = [];
if (!folder) {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pamela-hubbench-'));
  made.push(folder);
  const pamela = pamelaBin();
  execFileSync(pamela, ['synth', '--out', folder, '--seed', '7'], { stdio: 'ignore' });
}

const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;

// Watches the main thread's long tasks from the start of the page.
const watchLongTasks = () => {
  window.__longEntries = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longEntries.push({ startTime: e.startTime, duration: e.duration }); }).observe({ type: 'longtask' });
};
const shows = (sha) => (document.querySelector('.badge')?.textContent || '').includes(sha)
  && document.querySelectorAll('#distribution svg .bar').length > 0;

async function loadOnce(dir, label) {
  const hub = await startHub({ dir });
  const server = await serve({ base: '/PAMELA/' });
  const b = await launch();
  const url = `${server.url}?hub=${encodeURIComponent(hub.url)}`;
  const { page } = await open(b.context, url);
  await page.waitForSelector('#distribution svg .bar', { timeout: 60000 });
  await page.evaluate(watchLongTasks);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  resetPeaks();
  const before = renderers();
  await page.click('button:has-text("Load data")');
  const t0 = Date.now();
  await page.click('#hub-load');
  await page.waitForFunction(shows, hub.sha.slice(0, 7), { timeout: 600000, polling: 'raf' });
  const first = Date.now() - t0;
  const peakProc = renderers();
  const peak = peakProc.reduce((a, p) => a + p.hwm - (before.find((q) => q.pid === p.pid)?.rss ?? 0), 0);
  // Long tasks by phase, from the app's marks: downloading, parsing (in the worker, until its
  // answer), and showing (the worker's bundle decoded and checked, every view drawn).
  const phases = await page.evaluate(() => {
    const at = (n) => performance.getEntriesByName(n).at(-1)?.startTime ?? Infinity;
    const [d, p, s] = ['pamela:hub-downloaded', 'pamela:parsed', 'pamela:hub-shown'].map(at);
    const out = { download: [], parse: [], show: [] };
    for (const e of window.__longEntries) (e.startTime < d ? out.download : e.startTime < p ? out.parse : e.startTime <= s ? out.show : out.show).push(e.duration);
    return out;
  });
  const n = await page.textContent('[data-testid="selected-count"] strong');
  console.log(`${label}: ${hub.files.length} files, ${mb(hub.bytes)} downloaded, ${n} ratings`);
  console.log(`  one click to the first chart of the Hub's data: ${(first / 1000).toFixed(2)} s`);
  const worst = (xs) => (xs.length ? `${xs.length}, longest ${Math.max(...xs).toFixed(0)} ms` : 'none');
  console.log(`  main-thread long tasks (over 50 ms): while downloading ${worst(phases.download)}; while the worker parses ${worst(phases.parse)}; showing the new data ${worst(phases.show)} (target: none)`);
  console.log(`  renderers' peak above before: ${mb(peak)} (${(peak / hub.bytes).toFixed(2)}x the downloaded bytes; target under 4x)`);
  // The second visit: the link now names the commit; the kept copy opens it.
  await page.waitForFunction(() => location.search.includes('data=hf'));
  const asked = hub.requests.length;
  await page.reload();
  await page.waitForFunction(shows, hub.sha.slice(0, 7), { timeout: 120000, polling: 'raf' });
  const cached = await page.evaluate(() => performance.now());
  console.log(`  second visit (kept copy): navigation to the first chart ${(cached / 1000).toFixed(2)} s (target under 1 s); requests to the Hub ${hub.requests.length - asked}`);
  let changes = null;
  if (million) {
    const t = await filterChanges(page, 100);
    changes = t.dom;
    console.log(`  filter change to every view updated in the DOM, ${t.dom.length} changes: p50 ${pct(t.dom, 0.5).toFixed(1)} ms, p95 ${pct(t.dom, 0.95).toFixed(1)} ms (target p50 under 33 ms)`);
  }
  await b.close();
  await server.close();
  await hub.close();
  return changes;
}

console.log('PAMELA Explorer Hub benchmark (headless Chromium, release build, local stand-in Hub)');
await loadOnce(folder, 'the card-sized files');

if (million) {
  // Each participant copied 15 times under new ids: 1,048,560 ratings, the same images.
  const big = fs.mkdtempSync(path.join(os.tmpdir(), 'pamela-million-'));
  made.push(big);
  for (const f of fs.readdirSync(folder).filter((n) => /^pamela_.*\.json$/.test(n))) {
    const recs = JSON.parse(fs.readFileSync(path.join(folder, f)));
    const out = fs.openSync(path.join(big, f.replace(/\.json$/, '.jsonl')), 'w');
    for (let c = 0; c < 15; c++) {
      const lines = recs.map((r) => JSON.stringify({ ...r, participant_id: `${r.participant_id}_${c}` }));
      fs.writeSync(out, lines.join('\n') + '\n');
    }
    fs.closeSync(out);
  }
  await loadOnce(big, 'a million ratings (the files grown 15 times)');
}
for (const d of made) fs.rmSync(d, { recursive: true, force: true });

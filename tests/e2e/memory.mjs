// Memory benchmark (prints figures; never a pass/fail): the renderer's resident memory (RSS,
// from /proc, which the JS heap figure hides) around loads in the page, on the release build.
//   node tests/e2e/memory.mjs [FOLDER_OF_SPLIT_FILES]
// Without a folder, `pamela synth` writes the synthetic sample's five JSON files (35 MB) to a
// temporary folder. Cases: loading those files; a failed upload of a 1 GiB file. For each: the
// peak above the page's resident memory before the load (VmHWM, the kernel's high-water mark,
// reset just before the load, so no sample can miss the peak) against the input's size, and what stays after the load once
// the garbage collector has run. Run it alone: it sums every Chromium renderer on the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, repo, renderers, resetPeaks } from './harness.mjs';

const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);

let folder = process.argv[2];
if (!folder) {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pamela-mem-'));
  execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'pamela-cli', '--', 'synth', '--out', folder], { cwd: repo, stdio: 'inherit' });
}
const files = fs.readdirSync(folder).filter((f) => /^pamela_.*\.jsonl?$/.test(f)).map((f) => path.join(folder, f));
const inputBytes = files.reduce((a, f) => a + fs.statSync(f).size, 0);
const big = path.join(os.tmpdir(), 'pamela_train.json');
fs.writeFileSync(big, '[');
fs.truncateSync(big, 1 << 30); // 1 GiB: '[' then zeros (sparse on disk), broken at byte 1

const server = await serve({ base: '/' });
console.log('PAMELA Explorer memory benchmark (headless Chromium, release build; renderer RSS from /proc)');
for (const [name, list, bytes] of [['load of the five split files', files, inputBytes], ['failed upload of a 1 GiB file', [big], 1 << 30]]) {
  const b = await launch();
  const { page } = await open(b.context, server.url);
  await page.waitForSelector('#distribution svg .bar', { timeout: 60000 });
  const cdp = await page.context().newCDPSession(page);
  const gc = async () => { await cdp.send('HeapProfiler.collectGarbage'); await page.waitForTimeout(1500); await cdp.send('HeapProfiler.collectGarbage'); await page.waitForTimeout(500); };
  await gc();
  // Reset each renderer's high-water mark to its current size (Linux: clear_refs 5).
  resetPeaks();
  const before = renderers();
  const base = sum(before, 'rss');
  const notices = await page.locator('.notice').count();
  await page.click('button:has-text("Load data")');
  await page.setInputFiles('#file-input', list);
  await page.waitForFunction((n) => document.querySelectorAll('.notice').length > n && !document.querySelector('.progress'), notices, { timeout: 300000 });
  const said = (await page.locator('.notice').last().textContent()).slice(0, 120);
  const peakProc = renderers();
  await gc();
  const after = renderers();
  // The peak of each renderer above its resident memory before (new renderers: their whole peak).
  const peak = peakProc.reduce((a, p) => a + p.hwm - (before.find((q) => q.pid === p.pid)?.rss ?? 0), 0);
  console.log(`${name} (${mb(bytes)}): "${said}"`);
  console.log(`  resident before ${mb(base)}; peak above it ${mb(peak)} (${(peak / bytes).toFixed(2)}x the input; target under 4x); after, collected ${mb(sum(after, 'rss'))} (${sum(after, 'rss') >= base ? '+' : '−'}${mb(Math.abs(sum(after, 'rss') - base))} against before; target within 50 MB)`);
  await b.close();
}
fs.rmSync(big);
await server.close();

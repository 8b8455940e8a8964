// Compares the filter-change time of two release builds in one run (prints figures; for
// judging a change on a shared, noisy machine by the ratio rather than by absolute times):
//   node tests/e2e/compare.mjs DIST_A DIST_B [ROUNDS] [brush]
// With `brush`, each round times 100 pointer moves of a drag across the score histogram
// instead (see `brushMoves`; both builds must have the brush).
// Each round opens both builds in fresh browsers, A then B, and times 50 filter changes in each
// (see `filterChanges` in harness.mjs: to every view updated in the DOM, and with the style and
// layout that follow, forced at once); the rounds interleave so that a busy spell of the
// machine falls on both.
import { serve, launch, open, filterChanges, brushMoves, pct } from './harness.mjs';

const [distA, distB, roundsArg, mode] = process.argv.slice(2);
const brush = mode === 'brush';
if (!distA || !distB) {
  console.error('usage: node tests/e2e/compare.mjs DIST_A DIST_B [ROUNDS] [brush]');
  process.exit(2);
}
const rounds = Number(roundsArg || 4);
const builds = [{ name: 'A', root: distA, dom: [], layout: [] }, { name: 'B', root: distB, dom: [], layout: [] }];
for (const x of builds) x.server = await serve({ root: x.root, base: '/' });
for (let r = 0; r < rounds; r++) {
  for (const x of builds) {
    const b = await launch();
    const { page } = await open(b.context, x.server.url);
    await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
    const t = brush ? await brushMoves(page, '#distribution svg.chart', 100) : await filterChanges(page, 50);
    x.dom.push(...t.dom);
    if (t.layout) x.layout.push(...t.layout);
    await b.close();
  }
}
for (const x of builds) {
  console.log(`${x.name} ${x.root}: ${brush ? 'brush move' : 'filter change'} to every view in the DOM, p50 ${pct(x.dom, 0.5).toFixed(1)} ms, p95 ${pct(x.dom, 0.95).toFixed(1)} ms (${x.dom.length} ${brush ? 'moves' : 'changes'})${x.layout.length ? `; with style and layout p50 ${pct(x.layout, 0.5).toFixed(1)} ms, p95 ${pct(x.layout, 0.95).toFixed(1)} ms` : ''}`);
  await x.server.close();
}
const [a, b] = builds.map((x) => pct(x.dom, 0.5));
console.log(`B / A at p50: ${(b / a).toFixed(2)}`);
if (builds.every((x) => x.layout.length)) {
  const [la, lb] = builds.map((x) => pct(x.layout, 0.5));
  console.log(`B / A at p50 with style and layout: ${(lb / la).toFixed(2)}`);
}

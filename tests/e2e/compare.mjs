// Compares the filter-change time of two release builds in one run (prints figures; for
// judging a change on a shared, noisy machine by the ratio rather than by absolute times):
//   node tests/e2e/compare.mjs DIST_A DIST_B [ROUNDS]
// Each round opens both builds in fresh browsers, A then B, and times 50 filter changes in each
// (see `filterChanges` in harness.mjs); the rounds interleave so that a busy spell of the
// machine falls on both.
import { serve, launch, open, filterChanges, pct } from './harness.mjs';

const [distA, distB, roundsArg] = process.argv.slice(2);
if (!distA || !distB) {
  console.error('usage: node tests/e2e/compare.mjs DIST_A DIST_B [ROUNDS]');
  process.exit(2);
}
const rounds = Number(roundsArg || 4);
const builds = [{ name: 'A', root: distA, dom: [] }, { name: 'B', root: distB, dom: [] }];
for (const x of builds) x.server = await serve({ root: x.root, base: '/' });
for (let r = 0; r < rounds; r++) {
  for (const x of builds) {
    const b = await launch();
    const { page } = await open(b.context, x.server.url);
    await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
    x.dom.push(...(await filterChanges(page, 50)).dom);
    await b.close();
  }
}
for (const x of builds) {
  console.log(`${x.name} ${x.root}: filter change to every view in the DOM, p50 ${pct(x.dom, 0.5).toFixed(1)} ms, p95 ${pct(x.dom, 0.95).toFixed(1)} ms (${x.dom.length} changes)`);
  await x.server.close();
}
const [a, b] = builds.map((x) => pct(x.dom, 0.5));
console.log(`B / A at p50: ${(b / a).toFixed(2)}`);

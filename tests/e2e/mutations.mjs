// Which DOM mutations a filter change makes: a MutationObserver over the page during `n`
// filter changes (the clicks `filterChanges` makes), counted per view (the closest element
// with an id under <main>) and per attribute. Prints the counts per change, largest first.
//   node tests/e2e/mutations.mjs [n]
import { serve, launch, open, filterChanges } from './harness.mjs';

const n = Number(process.argv[2] || 40);
const server = await serve({ base: '/' });
const b = await launch();
const { page } = await open(b.context, server.url);
await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
await filterChanges(page, 5);
await page.evaluate(() => {
  const views = new Map();
  const attrs = new Map();
  const where = (node) => {
    let el = node.nodeType === 1 ? node : node.parentElement;
    let id = null;
    for (; el; el = el.parentElement) if (el.id && el.tagName === 'SECTION') { id = el.id; break; }
    return id || (node.nodeType === 1 ? node : node.parentElement)?.closest('[id]')?.id || '?';
  };
  window.__mut = { views, attrs, total: 0 };
  new MutationObserver((list) => {
    for (const m of list) {
      const v = where(m.target);
      const kind = m.type === 'attributes' ? `@${m.attributeName}` : m.type;
      views.set(v, (views.get(v) || 0) + 1);
      const key = `${v} ${kind}`;
      attrs.set(key, (attrs.get(key) || 0) + 1);
      window.__mut.total++;
    }
  }).observe(document.body, { attributes: true, characterData: true, childList: true, subtree: true });
});
const t = await filterChanges(page, n);
const out = await page.evaluate(() => ({
  total: window.__mut.total,
  views: [...window.__mut.views].sort((a, b) => b[1] - a[1]),
  attrs: [...window.__mut.attrs].sort((a, b) => b[1] - a[1]).slice(0, 40),
}));
// Each of the n rounds is two changes (a click and the click back).
const per = (x) => (x / (2 * n)).toFixed(1);
console.log(`mutations per filter change: ${per(out.total)} (changed ${t.changed} of ${n})`);
for (const [v, c] of out.views) console.log(`${per(c).padStart(8)}  ${v}`);
console.log('--- by view and kind');
for (const [v, c] of out.attrs) console.log(`${per(c).padStart(8)}  ${v}`);
await b.close();
server.close();

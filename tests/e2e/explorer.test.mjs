// End-to-end tests of the explorer: the release build served from a sub-path, driven in
// Debian's Chromium. Every test also checks that the page logged no error and asked no other
// origin for anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, foreign, repo, brushMoves, record, pamelaBin } from './harness.mjs';

let server;
let browser;
const TOTAL = 69904;

before(async () => {
  server = await serve({ base: '/PAMELA/' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function ready(url = server.url) {
  const o = await open(browser.context, url);
  o.dialogs = [];
  o.page.on('dialog', (d) => { o.dialogs.push(d.message()); d.dismiss(); });
  await o.page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  return o;
}

const num = (s) => Number(String(s).replace(/[^0-9]/g, ''));
async function selected(page) {
  return num(await page.textContent('[data-testid="selected-count"] strong'));
}
async function waitSelected(page, want) {
  await page.waitForFunction(
    (w) => Number(document.querySelector('[data-testid="selected-count"] strong').textContent.replace(/[^0-9]/g, '')) === w,
    want, { timeout: 10000 });
}
async function clean(o) {
  assert.deepEqual(o.errors, [], 'no console errors');
  assert.deepEqual(foreign(o.requests, server.origin), [], 'no request to another origin');
  assert.deepEqual(o.dialogs, [], 'no dialog opened');
  await o.page.close();
}

test('loads the default data from a sub-path with every view and the synthetic badge', async () => {
  const o = await ready();
  const { page } = o;
  assert.equal(await selected(page), TOTAL);
  const badge = await page.textContent('.badge');
  assert.match(badge, /Synthetic sample generated to the PAMELA card's counts/);
  for (const id of ['distribution', 'means-group', 'means-style', 'heatmap', 'cohorts', 'images', 'participants']) {
    assert.ok(await page.isVisible(`#${id} h2`), `${id} is shown`);
  }
  assert.equal(await page.locator('#means-group svg .row').count(), 21, '21 visual groups');
  assert.equal(await page.locator('#means-style svg .row').count(), 27, '26 styles and (no style)');
  // The images' prompts come after the first chart, from their own file, and fill the list.
  await page.waitForSelector('[data-testid="text-pending"]', { state: 'detached' });
  await page.waitForFunction(() => [...document.querySelectorAll('#images .prompt')].some((p) => p.textContent.trim().length > 3));
  assert.ok(o.requests.some((u) => u.endsWith('data/first/pamela-synthetic.text')), 'the text file was fetched');
  await clean(o);
});

test('each filter keeps exactly the count its option shows, and clears on its own', async () => {
  const o = await ready();
  const { page } = o;
  for (const dim of ['age_bin', 'gender', 'nationality', 'type', 'group', 'style', 'split', 'label']) {
    const fs_ = page.locator(`.sidebar fieldset[data-dim="${dim}"]`);
    const option = fs_.locator('li').filter({ has: page.locator('.n') }).nth(1);
    const shown = num(await option.locator('.n').textContent());
    assert.ok(shown > 0, `${dim}: the option has ratings`);
    await option.locator('input[type=checkbox]').check();
    await waitSelected(page, shown);
    await page.waitForFunction((d) => location.search.includes(`${d}=`), dim);
    assert.equal(await page.locator('.chips .chip').count(), 1);
    await fs_.locator('button.clear').click();
    await waitSelected(page, TOTAL);
  }
  // Age range: the count under the inputs is what the filter keeps.
  await page.fill('#f-age-lo', '20');
  await page.press('#f-age-lo', 'Enter');
  await page.fill('#f-age-hi', '29');
  await page.press('#f-age-hi', 'Enter');
  const inRange = num(await page.textContent('.sidebar fieldset[data-dim="age"] p.n'));
  await waitSelected(page, inRange);
  await page.waitForFunction(() => location.search.includes('age=20-29'));
  // Options elsewhere now count under the age filter, e.g. the two types add up.
  const types = await page.locator('.sidebar fieldset[data-dim="type"] .n').allTextContents();
  assert.equal(types.map(num).reduce((a, b) => a + b, 0), inRange);
  // A search narrows the nationality list.
  await page.fill('.sidebar fieldset[data-dim="nationality"] input[type=search]', 'united');
  const names = await page.locator('.sidebar fieldset[data-dim="nationality"] .opt-label').allTextContents();
  assert.ok(names.length >= 1 && names.every((n) => /united/i.test(n)), names.join());
  await page.click('.selection .clear-all');
  await waitSelected(page, TOTAL);
  await clean(o);
});

test('focus stays on the same group when pressing Enter re-sorts the means', async () => {
  const o = await ready();
  const { page } = o;
  // The fourth row by mean: filtering to its group moves it to the top of the chart.
  const row = page.locator('#means-group svg .row').nth(3);
  const label = await row.getAttribute('aria-label');
  const group = label.split(':')[0];
  const n = num(label.match(/([\d,]+) ratings? · \d+ (people|person)/)[1]);
  await row.focus();
  await page.keyboard.press('Enter');
  await waitSelected(page, n);
  await page.waitForFunction(() => document.activeElement?.closest('#means-group'), null, { timeout: 5000 });
  const now = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
  assert.equal(now.split(':')[0], group, `focus is still on ${group}`);
  const first = await page.locator('#means-group svg .row').first().getAttribute('aria-label');
  assert.equal(first.split(':')[0], group, 'the filtered group is now the first row');
  // Enter again clears the filter; focus stays on the same group once more.
  await page.keyboard.press('Enter');
  await waitSelected(page, TOTAL);
  const back = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
  assert.equal(back.split(':')[0], group, 'focus is still on the same group after clearing');
  await clean(o);
});

test('the two means charts sort on their own: one menu never re-sorts the other chart', async () => {
  const o = await ready();
  const { page } = o;
  const order = (id) => page.locator(`#${id} svg .row`).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label').split(':')[0]));
  const styles = await order('means-style');
  await page.selectOption('#means-group .controls select', 'name');
  await page.waitForFunction(() => /[?&]sort=name/.test(location.search));
  const groups = await order('means-group');
  const lower = groups.map((g) => g.toLowerCase());
  assert.deepEqual(lower, [...lower].sort(), 'groups by name');
  assert.deepEqual(await order('means-style'), styles, 'the styles keep their order');
  await page.selectOption('#means-style .controls select', 'n');
  await page.waitForFunction(() => /[?&]ssort=n(&|$)/.test(location.search));
  assert.deepEqual(await order('means-group'), groups, 'and the other way round');
  await page.reload();
  await page.waitForSelector('#means-style svg .row');
  assert.equal(await page.inputValue('#means-group .controls select'), 'name');
  assert.equal(await page.inputValue('#means-style .controls select'), 'n');
  await clean(o);
});

test('a link to a card opens scrolled to it and marked; the fragment survives filter changes', async () => {
  const o = await ready(server.url + '?gender=female#cohorts');
  const { page } = o;
  await page.waitForSelector('#cohorts.landed');
  const top = await page.evaluate(() => document.getElementById('cohorts').getBoundingClientRect().top);
  assert.ok(top >= -2 && top < 200, `the card is at the top of the screen (${top})`);
  await page.click('.sidebar fieldset[data-dim="type"] input[type=checkbox] >> nth=0');
  await page.waitForFunction(() => /[?&]type=/.test(location.search));
  assert.equal(await page.evaluate(() => location.hash), '#cohorts', 'the address keeps the card');
  assert.match(page.url(), /\?.*gender=female.*#cohorts$/);
  await clean(o);
});

test('clicking (or pressing Enter on) a bar, cell or dot filters every view', async () => {
  const o = await ready();
  const { page } = o;
  // A row of the group means: the selection becomes that group's n.
  const row = page.locator('#means-group svg .row').first();
  const label = await row.getAttribute('aria-label');
  const n = num(label.match(/([\d,]+) ratings? · \d+ (people|person)/)[1]);
  await row.click();
  await waitSelected(page, n);
  assert.match(await page.textContent('.chips'), /visual group:/);
  // The heatmap, by keyboard: focus the grid, move right, press Enter.
  await page.click('.selection .clear-all');
  await waitSelected(page, TOTAL);
  await page.focus('#heatmap .cell[tabindex="0"]');
  await page.keyboard.press('ArrowRight');
  const focused = await page.evaluate(() => document.activeElement.id);
  assert.equal(focused, 'heat-c1', 'arrow keys move between cells');
  const cellLabel = await page.getAttribute('#heat-c1', 'aria-label');
  const cellN = num(cellLabel.match(/([\d,]+) ratings? · \d+ (people|person)/)[1]);
  await page.keyboard.press('Enter');
  await waitSelected(page, cellN);
  assert.equal(await page.locator('.chips .chip').count(), 2, 'row and column chips');
  // A histogram bar sets a score range; its chip removes it.
  await page.click('.selection .clear-all');
  await waitSelected(page, TOTAL);
  await page.click('#dist-bar-19');
  await page.waitForSelector('.chips .chip');
  assert.match(await page.textContent('.chips'), /score 4\.80–5\.00/);
  const chipCount = await selected(page);
  assert.ok(chipCount > 0 && chipCount < TOTAL);
  await page.click('.chips .chip button');
  await waitSelected(page, TOTAL);
  // The arrow keys walk the participants in order of offset, from the most strict.
  await page.focus('#participants path.mark[tabindex="0"]');
  const offsets = [];
  for (let k = 0; k < 5; k++) {
    const l = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
    offsets.push(Number(l.match(/offset ([−+-]?[\d.]+)/)[1].replace('−', '-')));
    await page.keyboard.press('ArrowRight');
  }
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `walked in order: ${offsets}`);
  assert.ok(offsets[0] < offsets[4], 'and moved');
  // A participant dot filters to that person (the last mark: none is drawn over it).
  const dot = page.locator('#participants path.participant.mark').last();
  const who = (await dot.getAttribute('aria-label')).match(/^(p_[0-9a-f]{8})/)[1];
  await dot.click();
  await page.waitForSelector('.chips .chip');
  assert.match(await page.textContent('.chips'), new RegExp(`participant ${who}`));
  await clean(o);
});

test('the URL holds the whole state: reload and back/forward restore it', async () => {
  const o = await ready(server.url + '?gender=female&type=Art&bins=40&hrow=nationality&imgs=top&a.age=19-29&b.age=50-60');
  const { page } = o;
  const n = await selected(page);
  assert.ok(n > 0 && n < TOTAL);
  assert.equal(await page.locator('#distribution svg .bar').count(), 40);
  assert.equal(await page.inputValue('#heatmap select >> nth=0'), 'nationality');
  assert.match(await page.textContent('#cohorts'), /age 19–29/);
  await page.reload();
  await page.waitForSelector('#distribution svg .bar');
  await waitSelected(page, n);
  // A new filter is a new history entry; back returns to the previous state.
  await page.locator('.sidebar fieldset[data-dim="label"] input[type=checkbox]').first().check();
  await page.waitForFunction(() => location.search.includes('label='));
  const narrowed = await selected(page);
  assert.ok(narrowed < n);
  await page.goBack();
  await waitSelected(page, n);
  assert.ok(!page.url().includes('label='));
  await page.goForward();
  await waitSelected(page, narrowed);
  await clean(o);
});

test('a tampered URL drops what it cannot use, says so, and still shows the page', async () => {
  const o = await ready(server.url + '?gender=robot,female&bins=abc&hrow=%3Cscript%3E&nope=1&age=90-10&style=Nonexistent_Style');
  const { page } = o;
  await page.waitForSelector('.notice.warning');
  const notices = await page.locator('.notice').allTextContents();
  const all = notices.join('\n');
  assert.match(all, /bins=abc/);
  assert.match(all, /unknown parameter/);
  assert.match(all, /robot/);
  assert.match(all, /Nonexistent_Style/);
  const female = num(await page.textContent('.sidebar fieldset[data-dim="gender"] li:has-text("female") .n'));
  await waitSelected(page, female);
  await page.waitForFunction(() => !location.search.includes('robot') && !location.search.includes('Nonexistent'));
  assert.equal(await page.locator('#distribution svg .bar').count(), 20);
  await clean(o);
});

test('cohort comparison agrees with the command line', async () => {
  const o = await ready();
  const { page } = o;
  await page.click('#cohorts button:has-text("19–29 vs 50–60")');
  await page.waitForFunction(() => location.search.includes('a.age=19-29'));
  await page.click('#cohorts summary:has-text("Table")');
  await page.waitForSelector('#cohorts table tbody tr');
  const firstRow = await page.locator('#cohorts table tbody tr').first().locator('th, td').allTextContents();
  assert.equal(firstRow[0], 'All selected');
  const pamela = pamelaBin();
  const bundle = path.join(repo, 'www', 'data', 'pamela-synthetic.pamb');
  const q = (age) => execFileSync(pamela, ['query', bundle, '--age', age, '--csv']).toString().trim().split('\n')[1].split(',');
  const [na, pa, meanA] = q('19-29');
  const [nb, pb, meanB] = q('50-60');
  assert.equal(firstRow[2], na);
  assert.equal(firstRow[3], pa, 'people in A');
  assert.equal(firstRow[5], nb);
  assert.equal(firstRow[6], pb, 'people in B');
  assert.equal(Number(firstRow[1]).toFixed(2), Number(meanA).toFixed(2));
  assert.equal(Number(firstRow[4]).toFixed(2), Number(meanB).toFixed(2));
  assert.match(firstRow[7], /^-?[0-9.]+$/, 'an ASCII number');
  const diff = Number(firstRow[7]);
  assert.ok(Math.abs(diff - (Number(meanA) - Number(meanB))) < 0.006, `${diff} vs ${meanA} - ${meanB}`);
  assert.ok(await page.locator('#cohorts svg .row').count() >= 22, 'overall and one row per group');
  await clean(o);
});

test('women vs men: intervals count people, rows are marked after Holm, the independent ones are a switch away', async () => {
  const o = await ready();
  const { page } = o;
  await page.click('#cohorts button:has-text("Women vs men")');
  await page.waitForSelector('#cohorts svg .row');
  const labels = () => page.locator('#cohorts svg .row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const width = (label) => { const m = label.match(/95% CI ([−+]?[0-9.]+)–([−+]?[0-9.]+)/); const n = (t) => Number(t.replace('−', '-').replace('+', '')); return n(m[2]) - n(m[1]); };
  const clustered = await labels();
  assert.match(clustered[0], /^All selected: A − B = .* counting people.*A mean [0-9.]+ \([0-9,]+ ratings · \d+ people\), B mean [0-9.]+ \([0-9,]+ ratings · \d+ people\)/);
  assert.ok(clustered.slice(1).every((l) => /counting people|no interval/.test(l)), 'every row says which interval');
  assert.match(await page.textContent('[data-testid="cohort-marks"]'), /Holm's correction for the 21 rows tested/);
  assert.match(await page.textContent('[data-testid="selected-people"]'), /^199$/);
  // The old, independent intervals: narrower, and more rows marked.
  const filled = () => page.locator('#cohorts svg .row .dot:not(.hollow)').count();
  const marked = await filled();
  await page.check('#ci-independent');
  await page.waitForFunction(() => /[?&]ci=independent/.test(location.search));
  await page.waitForFunction(() => document.querySelector('#cohorts svg .row').getAttribute('aria-label').includes('if ratings were independent'));
  const naive = await labels();
  assert.ok(width(naive[0]) * 2 < width(clustered[0]), `independent ${width(naive[0])} vs people ${width(clustered[0])}`);
  assert.ok(await filled() > marked, 'treating ratings as independent marks more rows');
  assert.match(await page.textContent('[data-testid="cohort-marks"]'), /too narrow/);
  await page.uncheck('#ci-independent');
  // On the images both rated.
  await page.selectOption('#cohorts select:has(option[value="images"])', 'images');
  await page.waitForFunction(() => /[?&]diff=images/.test(location.search));
  const same = await labels();
  assert.match(same[0], /A − B on the same images = .*counting people.*; [0-9,]+ shared images/);
  await clean(o);
});

test('heatmap cells are against everyone on the same images by default: tested, outlined after Holm, with minimums of ratings and people', async () => {
  const o = await ready();
  const { page } = o;
  await page.waitForSelector('#heatmap svg .cell');
  assert.equal(await page.inputValue('#heat-cells'), 'images', 'demographic rows open on the same images');
  await page.waitForFunction(() => /cells tested/.test(document.querySelector('[data-testid="heat-marks"]').textContent));
  const note = await page.textContent('[data-testid="heat-marks"]');
  const [, found, tested] = note.match(/Outlined: (\d+) of the (\d+) cells tested/).map(Number);
  assert.ok(tested > 0 && found <= tested, note);
  assert.equal(await page.locator('#heatmap svg .cell.found').count(), found, 'as many outlined cells as the note says');
  // Each cell says what it compares, with a clustered interval and its people.
  const label = await page.locator('#heatmap svg .cell:not(.empty):not(.small)').first().getAttribute('aria-label');
  assert.match(label, /against everyone on the same images \(95% CI .* counting people\), [0-9,]+ ratings · \d+ people; (a|not a) difference after Holm's correction/);
  assert.match(await page.textContent('[data-testid="heat-note"]'), /how the rows differ/);
  // No coloured cell rests on fewer than the minimum of 5 people.
  const thin = await page.evaluate(() => [...document.querySelectorAll('#heatmap svg .cell:not(.empty):not(.small)')]
    .map((c) => Number((c.getAttribute('aria-label').match(/ratings · (\d+) people/) || [])[1]))
    .filter((p) => p < 5));
  assert.deepEqual(thin, [], 'cells with fewer than 5 people are hatched');
  // A minimum of people above every cell's raters tests nothing, and goes to the URL.
  await page.fill('#heat-min-people', '1000');
  await page.press('#heat-min-people', 'Enter');
  await page.waitForFunction(() => /[?&]minp=1000/.test(location.search));
  await page.waitForFunction(() => /Outlined: 0 of the 0 cells tested/.test(document.querySelector('[data-testid="heat-marks"]').textContent));
  assert.equal(await page.locator('#heatmap svg .cell:not(.empty):not(.small)').count(), 0, 'every cell is under the minimum');
  await page.fill('#heat-min-people', '5');
  await page.press('#heat-min-people', 'Enter');
  // A minimum n above every cell's count tests nothing either.
  await page.fill('#heat-min-n', '100000');
  await page.press('#heat-min-n', 'Enter');
  await page.waitForFunction(() => /Outlined: 0 of the 0 cells tested/.test(document.querySelector('[data-testid="heat-marks"]').textContent));
  await page.fill('#heat-min-n', '30');
  await page.press('#heat-min-n', 'Enter');
  // Against the row's own mean: shown, never tested, and the choice is in the link.
  await page.selectOption('#heat-cells', 'row');
  await page.waitForFunction(() => /[?&]cells=row/.test(location.search));
  await page.waitForFunction(() => /No cell is tested here/.test(document.querySelector('[data-testid="heat-marks"]').textContent));
  assert.equal(await page.locator('#heatmap svg .cell.found').count(), 0, 'raw cells are never marked');
  await page.reload();
  await page.waitForSelector('#heatmap svg .cell');
  assert.equal(await page.inputValue('#heat-cells'), 'row', 'the URL restores the choice');
  await clean(o);
});

test('exports hold the view\'s numbers and chart and say what they show, on what data', async () => {
  const o = await ready();
  const { page } = o;
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#means-group [data-export="csv"]')]);
  assert.equal(csv.suggestedFilename(), 'pamela-means-group-all.csv');
  const raw = fs.readFileSync(await csv.path(), 'utf8').trim().split('\n');
  // The context first, as comment lines: title, the synthetic mark, filters, counts, intervals, source.
  const preamble = raw.filter((l) => l.startsWith('# '));
  assert.match(preamble.join('\n'), /# PAMELA Explorer: Mean score by visual group\n# SYNTHETIC SAMPLE.*\n# Filters: none \(all ratings\)\n# 69,904 ratings · 199 people selected\n# Intervals: 95%, counting people.*\n# Source: Synthetic sample/);
  const text = raw.filter((l) => !l.startsWith('# '));
  assert.equal(text[0], 'Visual group,ratings,people,mean,sd,95% CI low (people),95% CI high (people),95% CI low (independent),95% CI high (independent)');
  assert.equal(text.length, 22);
  const total = text.slice(1).map((l) => Number(l.split(',').at(-8))).reduce((a, b) => a + b, 0);
  assert.equal(total, TOTAL, 'group counts add up to every rating');
  // Numbers are plain ASCII numbers a strict parser reads: no Unicode minus, no parentheses.
  const strict = /^-?[0-9]+(\.[0-9]+)?$/;
  for (const id of ['heatmap', 'cohorts']) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(`#${id} [data-export="csv"]`)]);
    const lines = fs.readFileSync(await file.path(), 'utf8').trim().split('\n').filter((l) => !l.startsWith('# '));
    assert.ok(!/[\u2212()]/.test(lines.slice(1).join('\n')), `${id}: no Unicode minus or parentheses`);
    const header = lines[0].split(',');
    const numeric = header.map((h, k) => [h, k]).filter(([h]) => /\((diff|n|people)\)$|^ratings|^people|mean|\blow\b|\bhigh\b/.test(h)).map(([, k]) => k);
    assert.ok(numeric.length > 2, `${id}: numeric columns found in ${lines[0].slice(0, 80)}`);
    for (const l of lines.slice(1)) {
      if (l.includes('"')) continue; // a quoted label; the numbers are checked on the other rows
      const cells = l.split(',');
      for (const k of numeric) assert.ok(cells[k] === '' || strict.test(cells[k]), `${id}: "${cells[k]}" in ${header[k]} is a number`);
    }
  }
  const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#distribution [data-export="svg"]')]);
  const doc = fs.readFileSync(await svg.path(), 'utf8');
  assert.ok(doc.startsWith('<?xml'));
  assert.match(doc, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const chart = doc.slice(doc.indexOf('<svg', doc.indexOf('<svg') + 1), doc.indexOf('</svg>')); // the chart nested in the frame
  assert.equal((chart.match(/<rect /g) || []).length, 20, 'one rect per bin');
  assert.ok(!/tabindex|on:click/.test(doc), 'no interactive attributes');
  assert.match(doc, /fill:\s*rgb/, 'colours are inlined');
  for (const words of ['Score distribution', 'SYNTHETIC SAMPLE', '69,904 ratings · 199 people selected', 'Source: Synthetic sample', 'selection (share per bin)', 'all ratings']) {
    assert.ok(doc.includes(words), `the SVG says “${words}”`);
  }
  // A filtered view: the file name and the export say which filter; cohorts are defined; keys are drawn.
  await page.locator('.sidebar fieldset[data-dim="gender"] li:has-text("female") input').check();
  await page.waitForFunction(() => location.search.includes('gender=female'));
  const [cohorts] = await Promise.all([page.waitForEvent('download'), page.click('#cohorts [data-export="svg"]')]);
  assert.equal(cohorts.suggestedFilename(), 'pamela-cohorts-gender-female.svg');
  const cdoc = fs.readFileSync(await cohorts.path(), 'utf8');
  assert.match(cdoc, /Filters: gender: female/);
  assert.match(cdoc, /Cohort A: gender: female\. Cohort B: gender: male\./);
  const [heat] = await Promise.all([page.waitForEvent('download'), page.click('#heatmap [data-export="svg"]')]);
  const hdoc = fs.readFileSync(await heat.path(), 'utf8');
  assert.match(hdoc, /or lower/, 'the heatmap export carries its colour key');
  assert.match(hdoc, /under the minimum of 30 ratings or 5 people/);
  const [parts] = await Promise.all([page.waitForEvent('download'), page.click('#participants [data-export="svg"]')]);
  assert.match(fs.readFileSync(await parts.path(), 'utf8'), />male<|>female</, 'the participants export carries its marker key');
  // The participants CSV carries each person's demographics; the selected ratings export one row each.
  const [pcsv] = await Promise.all([page.waitForEvent('download'), page.click('#participants [data-export="csv"]')]);
  const prow = fs.readFileSync(await pcsv.path(), 'utf8').split('\n').filter((l) => l && !l.startsWith('# '));
  assert.equal(prow[0], 'participant,age,age group,gender,nationality,marked as,n,mean,mean offset,sd');
  assert.ok(prow.slice(1).every((l) => l.split(',')[3] === 'female'), 'one row per selected person, with gender');
  const female = num(await page.textContent('.sidebar fieldset[data-dim="gender"] li:has-text("female") .n'));
  const [rcsv] = await Promise.all([page.waitForEvent('download'), page.click('#export-ratings-csv')]);
  assert.equal(rcsv.suggestedFilename(), 'pamela-ratings-gender-female.csv');
  const rlines = fs.readFileSync(await rcsv.path(), 'utf8').split('\n').filter((l) => l && !l.startsWith('# '));
  assert.equal(rlines[0], 'participant_id,age,age_binned,gender,nationality,image_id,image_path,type,group,style,prompt,split,original_score,quality_label');
  assert.equal(rlines.length - 1, female, 'one row per selected rating');
  const [rjson] = await Promise.all([page.waitForEvent('download'), page.click('#export-ratings-jsonl')]);
  const recs = fs.readFileSync(await rjson.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(recs.length, female);
  assert.ok(recs.every((r) => r.user_demographics.gender === 'female' && r.split && r.original_score >= 1), 'published records with their split');
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#heatmap [data-export="png"]')]);
  const bytes = fs.readFileSync(await png.path());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
  await clean(o);
});

// ---- loading files ---------------------------------------------------------------------


function validFiles() {
  const train = [];
  for (let p = 0; p < 6; p++) for (let i = 0; i < 8; i++) train.push(record(`p_0000000${p}`, 1000 + i, 1 + ((p + i) % 5)));
  const test = [record('p_00000001', 2000, 3.25), record('p_00000002', 2000, 4.5)];
  return [
    { name: 'pamela_train.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(train)) },
    { name: 'pamela_test_seen.jsonl', mimeType: 'application/json', buffer: Buffer.from(test.map((r) => JSON.stringify(r)).join('\n')) },
  ];
}

async function upload(page, files) {
  if (!(await page.isVisible('#load-panel'))) await page.click('button:has-text("Load data")');
  await page.setInputFiles('#file-input', files);
}

test('valid files load through the worker; broken ones say what is wrong and keep the data', async () => {
  const o = await ready();
  const { page } = o;
  await upload(page, validFiles());
  await waitSelected(page, 50);
  assert.match(await page.textContent('.badge'), /PAMELA, loaded from 2 files/);
  assert.equal(await page.getAttribute('.badge', 'data-source'), 'pamela');

  const broken = [
    [{ name: 'pamela_train.json', mimeType: 'application/json', buffer: Buffer.from('') }, /pamela_train\.json.*empty/],
    [{ name: 'pamela_train.json', mimeType: 'application/json', buffer: Buffer.from('[{"image_id": 1,') }, /pamela_train\.json, record 0.*broken JSON/],
    [{ name: 'pamela_val_seen.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([record('p_1', 1, 3), { ...record('p_1', 2, 3), quality_label: 'superb' }])) }, /pamela_val_seen\.json, record 1, field `quality_label`.*superb/],
    [{ name: 'pamela_val_seen.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([record('p_1', 1, 7.5, { quality_label: 'excellent' })])) }, /record 0, field `original_score`.*7\.5/],
    [{ name: 'ratings.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([record('p_1', 1, 3)])) }, /ratings\.json.*cannot tell the split/],
    [{ name: 'pamela_test_unseen.jsonl', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(record('p_1', 1, 3)) + '\n{"image_id": "seven"}\n') }, /line 2, field `image_id`.*integer/],
    [{ name: 'data.pamb', mimeType: 'application/octet-stream', buffer: fs.readFileSync(path.join(repo, 'www/data/pamela-synthetic.pamb')).subarray(0, 1000) }, /data\.pamb.*bundle/],
  ];
  for (const [file, message] of broken) {
    const before = await page.locator('.notice.error').count();
    await upload(page, [file]);
    await page.waitForFunction((b) => document.querySelectorAll('.notice.error').length > b, before, { timeout: 15000 });
    const text = await page.locator('.notice.error').last().textContent();
    assert.match(text, message);
    assert.match(text, /The data shown before is unchanged/);
    assert.equal(await selected(page), 50, 'the loaded data stays');
    assert.match(await page.textContent('.badge'), /PAMELA, loaded from 2 files/);
  }
  await clean(o);
});

test('a prompt holding markup shows as text and runs nothing', async () => {
  const o = await ready();
  const { page } = o;
  const evil = ['<script>window.__pwned = 1</script>', '<img src=x onerror="window.__pwned = 2">'];
  const recs = [];
  for (let p = 0; p < 6; p++) {
    recs.push(record(`p_0000000${p}`, 7, 2 + p * 0.5, { image_metadata: { group: 'portrait', style: null, category: 'AI image', prompt: evil.join(' and '), type: 'Photorealism' } }));
  }
  await upload(page, [{ name: 'pamela_train.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(recs)) }]);
  await waitSelected(page, 6);
  await page.check('#images input[type=checkbox]'); // thumbnails on: the page's own origin is not asked either
  const prompt = await page.locator('#images .prompt').first().textContent();
  assert.equal(prompt, evil.join(' and '));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.equal(await page.locator('#images script').count(), 0);
  // The thumbnail points at the configured image host (and may fail: the text stays).
  const src = await page.locator('#images .thumb img').first().getAttribute('src').catch(() => null);
  if (src !== null) assert.ok(src.startsWith('https://huggingface.co/datasets/bethgelab/PAMELA/resolve/main/images/'), src);
  assert.deepEqual(o.errors.filter((e) => !/Failed to load resource|ERR_/.test(e)), []);
  const others = foreign(o.requests, server.origin, ['https://huggingface.co']);
  assert.deepEqual(others, []);
  await o.page.close();
});

test('phone width: nothing overflows sideways, controls stay usable', async () => {
  const o = await open(browser.context, server.url, { viewport: { width: 375, height: 812 } });
  o.dialogs = [];
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  assert.equal(await page.getAttribute('.filters-toggle', 'open'), null, 'filters start folded on a phone');
  await page.click('.filters-toggle summary');
  await page.locator('.sidebar fieldset[data-dim="gender"] input[type=checkbox]').first().check();
  await page.waitForFunction(() => location.search.includes('gender='));
  const dir = path.join(repo, 'tests', 'e2e', 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, 'phone-375.png'), fullPage: false });
  assert.ok(fs.statSync(path.join(dir, 'phone-375.png')).size > 10000);
  await clean(o);
});

// Every drawn text of every chart on the page, in rendered pixels: its font size times the
// scale from SVG units to the screen, and whether its box lies inside its chart's box.
async function chartText(page) {
  return page.evaluate(() => {
    const out = [];
    for (const svg of document.querySelectorAll('svg.chart')) {
      const card = svg.closest('section, .card, [id]');
      const sb = svg.getBoundingClientRect();
      if (sb.width === 0) continue;
      for (const t of svg.querySelectorAll('text')) {
        if (!t.textContent.trim() || getComputedStyle(t).visibility === 'hidden') continue;
        const ctm = t.getScreenCTM();
        const scale = Math.hypot(ctm.a, ctm.b);
        const px = parseFloat(getComputedStyle(t).fontSize) * scale;
        const b = t.getBoundingClientRect();
        const inside = b.left >= sb.left - 1 && b.right <= sb.right + 1;
        out.push({ chart: card?.id || svg.getAttribute('aria-label'), text: t.textContent, px, inside });
      }
    }
    return out;
  });
}

test('chart text is at least 12 px and the same size on a phone, a laptop and a 2,560 px screen', async () => {
  const sizes = {};
  for (const width of [375, 1440, 2560]) {
    const o = await open(browser.context, server.url, { viewport: { width, height: 900 } });
    o.dialogs = [];
    const { page } = o;
    await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
    await page.waitForSelector('#participants svg .participant', { timeout: 30000 });
    // Layout follows the measured width: after a resize observer round, nothing is pending.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const texts = await chartText(page);
    const charts = new Set(texts.map((t) => t.chart));
    for (const id of ['distribution', 'means-group', 'means-style', 'heatmap', 'cohorts', 'participants']) {
      assert.ok(charts.has(id), `${width}px: ${id} has text (${[...charts]})`);
    }
    const small = texts.filter((t) => t.px < 12 - 0.01);
    assert.deepEqual(small.slice(0, 5), [], `${width}px: ${small.length} texts under 12 px`);
    const outside = texts.filter((t) => !t.inside);
    assert.deepEqual(outside.slice(0, 5), [], `${width}px: ${outside.length} texts overflow their chart`);
    sizes[width] = [...new Set(texts.map((t) => t.px.toFixed(1)))].sort();
    // A shortened label keeps its full text for the tooltip and screen readers.
    const cut = texts.filter((t) => t.text.endsWith('…'));
    for (const c of cut.slice(0, 3)) {
      const full = await page.evaluate((head) => [...document.querySelectorAll('svg.chart [aria-label]')]
        .some((e) => e.getAttribute('aria-label').startsWith(head)), c.text.slice(0, -1));
      assert.ok(full, `"${c.text}" has its full text in an accessible name`);
    }
    if (width === 375) assert.ok(cut.length > 0, 'some labels are shortened on a phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${width}px: page is ${overflow}px wider than the screen`);
    await clean(o);
  }
  assert.deepEqual(sizes[375], sizes[1440], 'the same text sizes on a phone and a laptop');
  assert.deepEqual(sizes[2560], sizes[1440], 'the same text sizes on a laptop and a wide screen');
});

test('a chart lays itself out again when its container changes width', async () => {
  const o = await open(browser.context, server.url, { viewport: { width: 1440, height: 900 } });
  o.dialogs = [];
  const { page } = o;
  await page.waitForSelector('#means-group svg .row', { timeout: 30000 });
  const box = () => page.evaluate(() => {
    const svg = document.querySelector('#means-group svg.chart');
    return { vb: svg.viewBox.baseVal.width, px: svg.getBoundingClientRect().width };
  });
  const before = await box();
  assert.ok(Math.abs(before.vb - before.px) <= 1, `one SVG unit is one pixel (${JSON.stringify(before)})`);
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForFunction(() => {
    const svg = document.querySelector('#means-group svg.chart');
    return Math.abs(svg.viewBox.baseVal.width - svg.getBoundingClientRect().width) <= 1;
  });
  const after = await box();
  assert.ok(after.px < before.px - 100, `the chart is narrower (${before.px} -> ${after.px})`);
  await clean(o);
});

test('dragging across the score histogram sets a range that every view follows while dragging', async () => {
  const o = await ready();
  const { page } = o;
  const svg = page.locator('#distribution svg.chart');
  const bars = await page.locator('#distribution svg .bar').count();
  const box = await svg.boundingBox();
  const y = box.y + box.height / 2;
  const means = () => page.textContent('#means-group svg .row .row-n');
  const before = { n: await selected(page), means: await means() };
  await page.mouse.move(box.x + box.width * 0.3, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
  // Mid-drag: the other views already follow, the histogram still shows every bar.
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="selected-count"] strong').textContent.replace(/[^0-9]/g, '')) < n, before.n);
  const mid = await selected(page);
  assert.notEqual(await means(), before.means, 'the means follow during the drag');
  assert.equal(await page.locator('#distribution svg .bar').count(), bars, 'every bar is still drawn');
  assert.ok(await page.locator('#distribution svg .bar.unselected').count() > 0, 'bars outside the range are dimmed, not removed');
  await page.mouse.move(box.x + box.width * 0.8, y, { steps: 4 });
  await page.mouse.up();
  // The URL follows (its write waits for the drag to pause, and on a slow machine a pause can
  // come mid-drag): wait until it holds the range the brush's two ends show now.
  await page.waitForFunction(() => {
    const s = new URLSearchParams(location.search).get('score');
    const [lo, hi] = (s || '0-0').split('-').map(Number);
    const end = (id) => Number(document.getElementById(id)?.getAttribute('aria-valuenow'));
    // The URL's upper bound is the last thousandth inside the range (4.199 for an end at 4.2).
    return hi - lo > 1 && Math.abs(lo - end('dist-low')) < 0.0015 && Math.abs(hi - end('dist-high')) < 0.0015;
  });
  const wider = await selected(page);
  assert.ok(wider > mid && wider < before.n, `a wider drag keeps more (${mid} -> ${wider} of ${before.n})`);
  assert.equal(await page.locator('#distribution .brush-span').getAttribute('visibility'), 'visible');
  // The release ends over a bar: that is not a click on the bar.
  const score = new URL(page.url()).searchParams.get('score');
  assert.match(score, /^[0-9.]+-[0-9.]+$/);
  const [lo, hi] = score.split('-').map(Number);
  assert.ok(hi - lo > 1, `the range spans the drag (${score})`);
  // Reload: the range comes back from the URL.
  await page.reload();
  await page.waitForSelector('#distribution svg .bar');
  await waitSelected(page, wider);
  await clean(o);
});

test('touch and pen drags brush the age histogram; the keyboard moves either end', async () => {
  const o = await ready();
  const { page } = o;
  await page.waitForSelector('#ages svg .bar');
  const all = await selected(page);
  for (const pointerType of ['touch', 'pen']) {
    await brushMoves(page, '#ages svg.chart', 12, pointerType);
    await page.waitForFunction(() => /[?&]age=/.test(location.search));
    const n = await selected(page);
    assert.ok(n > 0 && n < all, `${pointerType}: the age range keeps ${n} of ${all}`);
    await page.click('.clear-all');
    await waitSelected(page, all);
  }
  // Keyboard: from no range, the upper end steps down one year per arrow press.
  await page.goto(server.url);
  await page.waitForSelector('#ages svg .bar');
  await page.focus('#ages-high');
  const oldest = Number(await page.getAttribute('#ages-high', 'aria-valuenow'));
  for (let k = 0; k < 5; k++) await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => /[?&]age=/.test(location.search));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'ages-high', 'focus stays on the slider');
  assert.equal(Number(await page.getAttribute('#ages-high', 'aria-valuenow')), oldest - 5);
  const youngest = Number(await page.getAttribute('#ages-low', 'aria-valuenow'));
  assert.equal(new URL(page.url()).searchParams.get('age'), `${youngest}-${oldest - 5}`);
  await page.keyboard.press('End');
  await page.waitForFunction(() => !/[?&]age=/.test(location.search));
  await waitSelected(page, all);
  // The score histogram's ends too.
  await page.focus('#dist-low');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => /[?&]score=/.test(location.search));
  assert.ok(await selected(page) < all);
  await clean(o);
});

test('how personal is taste: variance shares with intervals, agreement per subject that filters, the crowd figure', async () => {
  const o = await ready();
  const { page } = o;
  await page.waitForSelector('#taste svg .row');
  await page.waitForFunction(() => document.querySelector('[data-testid="taste-stale"]').classList.contains('hidden'));
  const facts = await page.textContent('#taste .taste-facts');
  assert.match(facts, /69,904 ratings · 199 people · 5,077 images/);
  assert.match(facts, /reliability of one rating/);
  assert.match(facts, /takes \d+ raters per image/);
  assert.match(facts, /crowd predicts one person's ratings with a correlation of 0\.\d\d on average, 95% CI 0\.\d\d–0\.\d\d \(\d+ people/);
  const split = await page.locator('#taste svg[aria-label^="Shares"] .row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  assert.equal(split.length, 3);
  assert.ok(split.every((l) => /95% CI \d+–\d+%/.test(l)), split.join(' | '));
  // Shares of one variance add up to 100%.
  const shares = split.map((l) => Number(l.match(/: (\d+)%/)[1]));
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) <= 2, shares.join('+'));
  const rows = page.locator('#taste svg[aria-label^="Agreement"] .row');
  assert.equal(await rows.count(), 21, 'one row per visual group');
  const values = await rows.evaluateAll((els) => els.map((e) => Number((e.getAttribute('aria-label').match(/explain (\d+)%/) || [0, -1])[1])));
  for (let k = 1; k < values.length; k++) assert.ok(values[k] <= values[k - 1] + 1, `sorted by agreement: ${values}`);
  // A row filters to its group; the card follows once the filters settle.
  const label = await rows.first().getAttribute('aria-label');
  await rows.first().click();
  await page.waitForFunction(() => /[?&]group=/.test(location.search));
  await page.waitForFunction((l) => !document.querySelector('#taste .taste-facts').textContent.includes('69,904 ratings'), label);
  assert.ok(await selected(page) < TOTAL);
  await page.selectOption('#taste select', 'style');
  await page.waitForFunction(() => /[?&]agree=style/.test(location.search));
  // Another key's rows are computed when it is chosen (in a task of their own): the chart
  // follows, and the card says it is updating until then.
  const first = label.split(':')[0];
  await page.waitForFunction((g) => {
    const r = document.querySelector('#taste svg[aria-label^="Agreement"] .row');
    return r && !r.getAttribute('aria-label').startsWith(g)
      && document.querySelector('[data-testid="taste-stale"]').classList.contains('hidden');
  }, first);
  assert.ok(await page.locator('#taste svg[aria-label^="Agreement"] .row').count() >= 1);
  await clean(o);
});

test('a mark\'s tooltip sits beside the pointer and says what the mark says, in every card', async () => {
  const o = await ready();
  const { page } = o;
  // Cards skip layout while off screen (content-visibility), which would make a card the box
  // of a fixed tooltip inside it: the tooltip is the page's, outside the cards.
  for (const id of ['means-group', 'heatmap', 'participants']) {
    const mark = page.locator(`#${id} svg [data-k]:not([visibility="hidden"])`).first();
    await mark.scrollIntoViewIfNeeded();
    const box = await mark.boundingBox();
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(x, y);
    const tip = page.locator('.tooltip');
    await tip.waitFor();
    const t = await tip.boundingBox();
    assert.ok(Math.abs(t.x - (x + 14)) <= 2 && Math.abs(t.y - (y + 14)) <= 2, `${id}: ${JSON.stringify({ x, y, t })}`);
    assert.equal(await tip.textContent(), await mark.getAttribute('aria-label'));
    await page.mouse.move(1, 1);
    await page.waitForFunction(() => !document.querySelector('.tooltip'));
  }
  await clean(o);
});

test('the filters stay in view: a sticky panel on wide screens, a summary line on phones', async () => {
  const wide = await open(browser.context, server.url, { viewport: { width: 1440, height: 900 } });
  wide.dialogs = [];
  await wide.page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  await wide.page.evaluate(() => document.querySelector('#participants').scrollIntoView());
  await wide.page.waitForFunction(() => window.scrollY > 2000);
  const top = await wide.page.evaluate(() => document.querySelector('.sidebar').getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 40, `the filter panel stays at the top of the screen (top ${top}px)`);
  assert.equal(await wide.page.isVisible('.phone-filters'), false, 'no summary line on a wide screen');
  // Folding the filters gives their column to the views: no empty column is left.
  const mainLeft = () => wide.page.evaluate(() => document.querySelector('#main').getBoundingClientRect().left);
  const unfolded = await mainLeft();
  await wide.page.click('#filters-summary');
  await wide.page.waitForFunction(() => !document.querySelector('.filters-toggle').open);
  await wide.page.waitForFunction((l) => document.querySelector('#main').getBoundingClientRect().left < l - 100, unfolded);
  const folded = await mainLeft();
  const summaryRight = await wide.page.evaluate(() => document.querySelector('#filters-summary').getBoundingClientRect().right);
  assert.ok(folded < summaryRight + 40, `the views start beside the folded summary (${folded} px, summary ends at ${summaryRight} px)`);
  await clean(wide);

  const o = await open(browser.context, server.url + '?gender=female&age=20-29', { viewport: { width: 375, height: 812 } });
  o.dialogs = [];
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  const line = page.locator('[data-testid="phone-filters"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="phone-filters"]').textContent.includes('gender: female'));
  assert.match(await line.textContent(), /age 20–29 · gender: female/);
  await page.evaluate(() => document.querySelector('#images').scrollIntoView());
  await page.waitForFunction(() => window.scrollY > 1500);
  const at = await page.evaluate(() => document.querySelector('.phone-filters').getBoundingClientRect().top);
  assert.ok(Math.abs(at) < 2, `the summary line stays at the top (top ${at}px)`);
  assert.equal(await page.getAttribute('.filters-toggle', 'open'), null, 'the panel starts folded');
  await page.click('.phone-filters button');
  await page.waitForFunction(() => document.querySelector('.filters-toggle').open);
  await page.waitForFunction(() => document.activeElement?.id === 'filters-summary');
  assert.ok(await page.isVisible('.sidebar fieldset[data-dim="gender"]'), 'the panel is open and in view');
  await clean(o);
});

test('every control can be reached with the keyboard and shows focus', async () => {
  const o = await ready();
  const { page } = o;
  const seen = new Set();
  for (let k = 0; k < 400; k++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const a = document.activeElement;
      const cs = getComputedStyle(a);
      const visible = cs.outlineStyle !== 'none' || a.closest('svg') !== null;
      return { id: a.id || a.getAttribute('aria-label') || a.textContent.slice(0, 30), tag: a.tagName, visible, card: a.closest('.card')?.id || '' };
    });
    if (info.tag === 'BODY') break; // past the last control
    if (info.card) seen.add(info.card);
    assert.ok(info.visible, `focus is visible on ${info.tag} ${info.id}`);
  }
  for (const id of ['distribution', 'means-group', 'means-style', 'heatmap', 'cohorts']) assert.ok(seen.has(id), `tab reaches ${id}`);
  await clean(o);
});

test('a guided question sets its view in place, lands on its card and says what to look at', async () => {
  const o = await ready();
  const { page } = o;
  await page.evaluate(() => { window.__samePage = true; });
  await page.click('#questions > summary');
  const links = page.locator('#questions a[data-guide]');
  assert.ok(await links.count() >= 5, 'a handful of guided questions');
  await page.click('#questions a[data-guide="images"]');
  await page.waitForFunction(() => /[?&]guide=images/.test(location.search) && /[?&]diff=images/.test(location.search));
  assert.equal(await page.evaluate(() => window.__samePage), true, 'followed without reloading the page');
  assert.equal(await page.evaluate(() => location.hash), '#cohorts');
  const panel = page.locator('[data-testid="question"]');
  assert.match(await panel.locator('h2').textContent(), /Is it taste, or which images they saw\?/);
  assert.match(await panel.textContent(), /images both rated/);
  assert.equal(await page.inputValue('#cohorts select:has(option[value="images"])'), 'images', 'the view it needs');
  // The question stays in view beside its card, has the focus, and the menu has closed.
  await page.waitForFunction(() => document.activeElement?.id === 'question-title');
  const q = await panel.boundingBox();
  const view = page.viewportSize();
  assert.ok(q.y >= 0 && q.y + q.height <= view.height + 1 && q.x >= 0, `the question is on screen: ${JSON.stringify(q)}`);
  assert.equal(await page.evaluate(() => document.querySelector('#questions').open), false, 'the menu closed');
  // Back returns to the view before the question.
  await page.goBack();
  await page.waitForFunction(() => !/[?&]guide=/.test(location.search));
  assert.equal(await page.locator('[data-testid="question"]').count(), 0);
  await page.goForward();
  await page.waitForFunction(() => /[?&]guide=images/.test(location.search));
  // The link opens the same question on a fresh page, on its card.
  const href = await page.getAttribute('#questions a[data-guide="rows"]', 'href');
  await page.goto(new URL(href, page.url()).href);
  await page.waitForSelector('#heatmap svg .cell');
  await page.waitForSelector('#heatmap.landed');
  assert.match(await page.textContent('[data-testid="question"] h2'), /Who likes what, beyond what everyone likes\?/);
  // Closing it takes it out of the link.
  await page.click('.question-close');
  await page.waitForFunction(() => !/[?&]guide=/.test(location.search));
  assert.equal(await page.locator('[data-testid="question"]').count(), 0);
  await clean(o);
});

test('a question written into a link shows as text, never as markup, and a teacher can write one', async () => {
  const asked = '<script>window.__ran = 1</script><b>Why</b> do <img src=x onerror="window.__ran=2"> rows differ?';
  const o = await ready(server.url + '?ask=' + encodeURIComponent(asked) + '#heatmap');
  const { page } = o;
  const shown = page.locator('[data-testid="question-asked"]');
  await shown.waitFor();
  assert.equal(await shown.textContent(), asked, 'the text as written');
  assert.equal(await page.locator('[data-testid="question"] script, [data-testid="question"] b, [data-testid="question"] img').count(), 0, 'no markup made');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__ran), undefined, 'nothing ran');
  // Writing one: it goes into the link, and the page shows it.
  await page.click('#questions > summary');
  await page.fill('#ask-text', 'Which   group\nsplits the room?');
  await page.click('.ask-form button[type=submit]');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('ask') === 'Which group splits the room?');
  assert.equal(await shown.textContent(), 'Which group splits the room?');
  await clean(o);
});

test('presenter mode at 1280 x 720: one card at a time, chart text at least 18 px, every card fits the screen', async () => {
  const o = await open(browser.context, server.url + '?present=1', { viewport: { width: 1280, height: 720 } });
  o.dialogs = [];
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  assert.equal(await page.isVisible('.sidebar'), false, 'the filter panel gives way');
  assert.equal(await page.textContent('[data-testid="presenter-filters"]'), 'No filter: all ratings');
  const ids = ['distribution', 'ages', 'means-group', 'means-style', 'heatmap', 'cohorts', 'images', 'participants', 'taste', 'for-you'];
  const sizes = new Set();
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    await page.waitForFunction((want) => document.querySelector('[data-testid="presenter-place"]').textContent.startsWith(want), `${k + 1} of ${ids.length}`);
    const shown = await page.evaluate(() => [...document.querySelectorAll('#views > .card')]
      .filter((c) => c.getBoundingClientRect().height > 0).map((c) => c.id));
    assert.deepEqual(shown, [id], `only ${id} is shown`);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const texts = (await chartText(page)).filter((t) => t.chart === id);
    for (const t of texts) sizes.add(t.px.toFixed(1));
    const small = texts.filter((t) => t.px < 18 - 0.01);
    assert.deepEqual(small.slice(0, 3), [], `${id}: ${small.length} chart texts under 18 px`);
    // The card shown is at the top of the screen and has the focus (a screen reader names it).
    await page.waitForFunction((cid) => document.activeElement?.id === cid, id);
    const box = await page.evaluate((cid) => {
      const c = document.getElementById(cid);
      const r = c.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, scrolls: c.scrollHeight > c.clientHeight, overflow: getComputedStyle(c).overflowY };
    }, id);
    assert.ok(box.top >= -1 && box.bottom <= 720 + 1, `${id} fits the screen: ${JSON.stringify(box)}`);
    if (box.scrolls) assert.equal(box.overflow, 'auto', `${id} scrolls inside its card`);
    if (box.scrolls) {
      // Page Down (a presentation remote) first scrolls a tall card, then steps on.
      const scrolled = () => page.evaluate((cid) => document.getElementById(cid).scrollTop, id);
      await page.keyboard.press('PageDown');
      await page.waitForFunction((cid) => document.getElementById(cid).scrollTop > 0, id);
      assert.ok(await scrolled() > 0, `${id} scrolled inside itself`);
      assert.equal(await page.evaluate(() => location.hash.slice(1) || 'distribution'), id, 'still on the same card');
      await page.evaluate((cid) => { document.getElementById(cid).scrollTop = 1e6; }, id);
    }
    if (k < ids.length - 1) await page.keyboard.press(k % 2 ? 'PageDown' : 'ArrowRight');
  }
  assert.ok([...sizes].length > 0 && [...sizes].every((s) => Number(s) >= 18), `sizes ${[...sizes]}`);
  // Keys typed into a field stay the field's.
  await page.focus('#fy-age');
  await page.keyboard.press('PageUp');
  assert.equal(await page.evaluate(() => location.hash), '#for-you', 'Page Up in a field does not step');
  assert.equal(await page.evaluate(() => location.hash), '#for-you', 'the card shown is in the link');
  await page.click('#present-prev');
  await page.waitForFunction(() => location.hash === '#taste');
  // Leaving: every card and the filters come back, and the link forgets presenter mode.
  await page.click('#present-exit');
  await page.waitForFunction(() => !/[?&]present=/.test(location.search));
  assert.ok(await page.isVisible('.sidebar'));
  assert.ok(await page.isVisible('#distribution') && await page.isVisible('#cohorts'));
  await clean(o);
});

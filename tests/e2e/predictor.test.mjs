// End-to-end tests of the "For you" predictor: tract-onnx in its own worker, loaded only when
// asked; a profile gives predictions, a few ratings change them, and a broken model leaves a
// message in the panel while the explorer keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, open, foreign, repo } from './harness.mjs';

let server;
let browser;

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
  await o.page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  return o;
}

const workerAsked = (o) => o.requests.filter((u) => /predict-worker/.test(u));
const status = (page) => page.getAttribute('#for-you .status', 'data-status');

async function profile(page, { age, gender, nationality }) {
  await page.fill('#fy-age', String(age));
  await page.selectOption('#fy-gender', gender);
  await page.selectOption('#fy-nationality', nationality);
}

/** The panel's table: label -> [you, everyone]. */
async function predictions(page) {
  if (!(await page.isVisible('#for-you .table-alt table'))) await page.click('#for-you .table-alt summary');
  await page.waitForSelector('#for-you .table-alt table tbody tr');
  const rows = await page.locator('#for-you .table-alt table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent)));
  return new Map(rows.map((r) => [r[0], [Number(r[1]), Number(r[2])]]));
}

async function predicted(page, text) {
  await page.waitForFunction((t) => {
    const s = document.querySelector('#for-you .status');
    return s && s.dataset.status === 'Ready' && s.textContent.includes(t) && document.querySelectorAll('#fy-top li').length > 0;
  }, text, { timeout: 60000 });
}

function allowedErrors(errors) {
  return errors.filter((e) => !/Failed to load resource/.test(e));
}

test('the predictor loads only when asked and predicts for a profile', async () => {
  const o = await ready();
  const { page } = o;
  await page.waitForTimeout(500);
  assert.deepEqual(workerAsked(o), [], 'first paint does not fetch the predictor');
  assert.equal(await status(page), 'Idle');

  await profile(page, { age: 24, gender: 'female', nationality: await page.locator('#fy-nationality option').first().getAttribute('value') });
  await page.click('#fy-predict');
  await predicted(page, 'Predicted from your profile.');
  assert.ok(workerAsked(o).some((u) => u.endsWith('.wasm')), 'the predictor wasm was fetched on demand');
  assert.equal(await page.locator('#for-you svg').first().locator('.pair').count(), 21, 'one row per visual group');
  assert.equal(await page.locator('#fy-top li').count(), 8);
  assert.equal(await page.locator('#fy-differ li').count(), 8);
  // The means get a likely range too, measured on the data's held-out people.
  await page.waitForFunction(() => document.querySelector('#for-you svg').querySelectorAll('.you-range').length === 21, null, { timeout: 30000 });
  const read = await page.textContent('[data-testid="fy-how-to-read"]');
  const [, miss, people] = read.match(/give or take ([\d.]+): how far the model's predicted mean for a group missed the own mean of (\d+) people it never saw/).map(Number);
  assert.ok(miss > 0.05 && miss < 1.5 && people >= 5, read);
  const pair = await page.locator('#for-you svg .pair').first().getAttribute('aria-label');
  const [, you, lo, hi] = pair.match(/you ([\d.]+), likely ([\d.]+)–([\d.]+)/).map(Number);
  assert.ok(lo <= you && you <= hi && lo >= 1 && hi <= 5, pair);
  const young = await predictions(page);
  assert.equal(young.size, 21 + 27, '21 groups and 27 style rows (26 styles and none)');
  for (const [label, [you, all]] of young) {
    assert.ok(you >= 1 && you <= 5, `${label}: predicted ${you}`);
    assert.ok(all >= 1 && all <= 5, `${label}: crowd ${all}`);
  }
  // The crowd column is the data's own mean per group: it matches the explorer's means chart.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#means-group [data-export="csv"]')]);
  const means = fs.readFileSync(await csv.path(), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  for (const r of means) {
    const label = r.slice(0, r.length - 5).join(',');
    if (young.has(label)) assert.equal(young.get(label)[1].toFixed(2), Number(r.at(-4)).toFixed(2), label);
  }

  // Another person: other predictions, the same crowd.
  const other = await page.locator('#fy-nationality option').nth(5).getAttribute('value');
  await profile(page, { age: 58, gender: 'male', nationality: other });
  const before = JSON.stringify([...young]);
  await page.click('#fy-predict');
  await page.waitForFunction((b) => {
    const rows = [...document.querySelectorAll('#for-you .table-alt tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    return rows.length > 0 && JSON.stringify(rows.map((r) => [r[0], [Number(r[1]), Number(r[2])]])) !== b;
  }, before, { timeout: 30000 });
  const older = await predictions(page);
  let changed = 0;
  for (const [label, [you, all]] of older) {
    assert.equal(all, young.get(label)[1], `${label}: the crowd does not change with the profile`);
    if (you !== young.get(label)[0]) changed++;
  }
  assert.ok(changed >= 10, `${changed} rows changed with the profile`);
  assert.deepEqual(allowedErrors(o.errors), []);
  assert.deepEqual(foreign(o.requests, server.origin), []);
  await page.close();
});

test('rating a few suggested images refits the personal part and changes every prediction', async () => {
  const o = await ready();
  const { page } = o;
  await profile(page, { age: 35, gender: 'male', nationality: await page.locator('#fy-nationality option').first().getAttribute('value') });
  await page.click('#fy-predict');
  await predicted(page, 'Predicted from your profile.');
  assert.ok(await page.locator('#for-you .fy-rate li').count() >= 5, 'at least five images offered to rate');
  const base = await predictions(page);
  const baseTop = await page.locator('#fy-top li .prompt').allTextContents();
  const rowOrder = () => page.locator('#for-you svg').first().locator('.pair').evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label').split(':')[0]));
  const baseOrder = await rowOrder();
  const axis = () => page.locator('#for-you svg').first().locator('.tick').allTextContents();
  const baseAxis = await axis();
  // Every predicted score of an image comes with a likely range inside the scale.
  const scores = await page.locator('#fy-top [data-testid="fy-score"]').allTextContents();
  for (const t of scores) {
    const [, you, lo, hi] = t.match(/^you ([\d.]+) \(likely ([\d.]+)–([\d.]+)\)/).map(Number);
    assert.ok(lo >= 1 && hi <= 5 && lo <= you && you <= hi && hi - lo > 0.2, t);
  }
  assert.match(await page.textContent('[data-testid="fy-how-to-read"]'), /give or take [\d.]+: how far the model typically misses one rating by someone it never saw/);
  assert.equal(await page.locator('#for-you svg .before').count(), 0, 'no earlier prediction yet');
  // Rate like a contrarian: the first suggestions low, then high, alternating.
  const given = [1, 5, 1, 5, 1, 5, 1];
  for (let k = 0; k < given.length; k++) {
    const item = page.locator('#for-you .fy-rate li').first();
    const prompt = await item.locator('.prompt').textContent();
    await item.locator(`button[aria-label="Rate ${given[k]} of 5"]`).click();
    await page.waitForFunction((p) => ![...document.querySelectorAll('#for-you .fy-rate li .prompt')].some((e) => e.textContent === p), prompt);
  }
  await predicted(page, `and ${given.length} of your ratings`);
  const after = await predictions(page);
  let moved = 0;
  for (const [label, [you]] of after) if (Math.abs(you - base.get(label)[0]) >= 0.005) moved++;
  assert.ok(moved >= after.size / 2, `${moved} of ${after.size} rows moved after ${given.length} ratings`);
  const afterTop = await page.locator('#fy-top li .prompt').allTextContents();
  assert.notDeepEqual(afterTop, baseTop, 'the top images change');
  // While rating, the rows keep their order and the axis its scale; rings mark the prediction
  // before the last rating, and single images say what they were.
  assert.deepEqual(await rowOrder(), baseOrder, 'rows keep their order while rating');
  assert.deepEqual(await axis(), baseAxis, 'the axis stays put');
  assert.ok(await page.locator('#for-you svg .before').count() > 0, 'rings mark the previous prediction');
  assert.match(await page.locator('#for-you svg .pair').first().getAttribute('aria-label'), /^[^:]+: you [\d.]+, likely [\d.]+–[\d.]+(, before your last rating [\d.]+)?; everyone [\d.]+$/);
  assert.match((await page.locator('#for-you [data-testid="fy-score"]').allTextContents()).join(' '), /, was [\d.]+/);
  assert.match(await page.textContent('#for-you'), new RegExp(`Rated so far: ${given.length}`));
  // The model card carries the evaluation.
  await page.click('#for-you .model-card summary');
  assert.match(await page.textContent('#for-you .model-card'), /Trained on synthetic data/);
  assert.ok(await page.locator('#for-you .model-card tbody tr').count() >= 10);
  // The few-shot table has both curves: k at random, and the k images the page would suggest.
  const fewRows = (await page.locator('#for-you .model-card-tech table').nth(1).locator('tbody th').allTextContents());
  for (const k of ['0', '10', '10 chosen', '20 chosen']) assert.ok(fewRows.includes(k), `few-shot row ${k} in ${fewRows}`);
  assert.match(await page.textContent('#for-you .model-card-tech'), /"k chosen": the k of their rated images that this page would have suggested first/);
  // In plain words first, for a class; the technical table folded below.
  const plain = (await page.locator('#for-you .model-card .plain').allTextContents()).join(' ');
  assert.match(plain, /tested on \d+ people it never saw.*times in 100; guessing gets 50/);
  assert.match(plain, /misses one of a new person's ratings by about [\d.]+ points/);
  assert.doesNotMatch(plain, /RMSE|oracle|taste rank|pairwise/);
  assert.equal(await page.locator('#for-you .model-card-tech').evaluate((d) => d.open), false, 'the technical details start folded');
  assert.deepEqual(allowedErrors(o.errors), []);
  await page.close();
});

test('the profile is stored only when asked, and forgotten on request', async () => {
  const o = await ready();
  const { page } = o;
  const nat = await page.locator('#fy-nationality option').nth(3).getAttribute('value');
  await profile(page, { age: 41, gender: 'male', nationality: nat });
  assert.equal(await page.evaluate(() => Object.keys(localStorage).length), 0, 'nothing stored by default');
  await page.click('#for-you button:has-text("Remember on this device")');
  assert.match(await page.evaluate(() => localStorage.getItem('pamela.profile')), /41/);
  await page.reload();
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  assert.equal(await page.inputValue('#fy-age'), '41');
  assert.equal(await page.inputValue('#fy-nationality'), nat);
  await page.click('#for-you button:has-text("Forget me")');
  assert.equal(await page.evaluate(() => localStorage.getItem('pamela.profile')), null);
  assert.deepEqual(allowedErrors(o.errors), []);
  await page.close();
});

test('a corrupt, mismatched or missing model says so in the panel; the explorer keeps working', async () => {
  const meta = JSON.parse(fs.readFileSync(path.join(repo, 'www', 'model', 'pamela-model.json'), 'utf8'));
  const onnx = fs.readFileSync(path.join(repo, 'www', 'model', 'pamela-model.onnx'));
  const cases = [
    ['corrupt ONNX', { 'model/pamela-model.onnx': Buffer.from(onnx.subarray(0, 900)) }, /damaged or not a PAMELA model/],
    ['random bytes', { 'model/pamela-model.onnx': Buffer.from('this is not a model at all') }, /damaged or not a PAMELA model/],
    ['spec mismatch', { 'model/pamela-model.json': Buffer.from(JSON.stringify({ ...meta, spec: { ...meta.spec, version: 99 } })) }, /does not fit this version of the app.*feature encoding 99/],
    ['broken metadata', { 'model/pamela-model.json': Buffer.from('{"format": "pamela-model", ') }, /damaged or not a PAMELA model: metadata/],
    ['missing model', { 'model/pamela-model.onnx': (req, res) => { res.writeHead(404); res.end(); } }, /model is missing.*HTTP 404/],
    ['missing worker', { 'predict-worker_bg.wasm': (req, res) => { res.writeHead(404); res.end(); } }, /predictor's code could not load/],
  ];
  for (const [name, overrides, message] of cases) {
    const s = await serve({ base: '/PAMELA/', overrides });
    const o = await open(browser.context, s.url);
    const { page } = o;
    await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
    await page.click('#fy-predict');
    await page.waitForFunction(() => document.querySelector('#for-you .status')?.dataset.status.startsWith('Failed'), null, { timeout: 60000 });
    const text = await page.textContent('#for-you .status');
    assert.match(text, message, name);
    assert.match(text, /The rest of the explorer works as before/, name);
    // The explorer still filters.
    await page.locator('.sidebar fieldset[data-dim="gender"] input[type=checkbox]').first().check();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="selected-count"] strong').textContent.replace(/[^0-9]/g, '')) < 69904);
    assert.ok(await page.locator('#means-group svg .row').count() > 0, name);
    assert.deepEqual(o.errors.filter((e) => !/Failed to load resource|404|WebAssembly|wasm/i.test(e)), [], name);
    await page.close();
    await s.close();
  }
});

// End-to-end tests of "Train on this data": the predictor trained in the page, in a second
// instance of the predictor worker, on files the visitor loaded. The model it trains is the
// command line's model for the same data and seed (its predictions of every rating agree to
// 1e-4 with `pamela train`'s, both read back through `pamela predict`); the For-you predictions
// and the model card follow it; a cancel leaves the model in use working; the model is kept in
// the browser only when asked, and forgotten on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, pamelaBin } from './harness.mjs';

let server;
let browser;
let work;
let pamela;
let files;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pamela-train-'));
  pamela = pamelaBin();
  const synth = path.join(work, 'synth');
  execFileSync(pamela, ['synth', '--seed', '2024', '--out', synth], { stdio: 'pipe' });
  // Other data than the default: another seed, the five split files only, the training split
  // cut to every other record.
  files = [];
  for (const name of fs.readdirSync(synth).filter((n) => /^pamela_.*\.json$/.test(n) && n !== 'pamela_ground_truth.json')) {
    let records = JSON.parse(fs.readFileSync(path.join(synth, name), 'utf8'));
    if (!Array.isArray(records)) continue;
    if (name === 'pamela_train.json') records = records.filter((_, k) => k % 2 === 0);
    const f = path.join(work, name);
    fs.writeFileSync(f, JSON.stringify(records));
    files.push(f);
  }
  assert.equal(files.length, 5);
  server = await serve({ base: '/PAMELA/' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function ready() {
  const o = await open(browser.context, server.url);
  await o.page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  return o;
}

async function predicted(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('#for-you .status');
    return s && s.dataset.status === 'Ready' && document.querySelectorAll('#fy-top li').length > 0;
  }, null, { timeout: 60000 });
}

/** The For-you table: label -> predicted mean. */
async function predictions(page) {
  if (!(await page.isVisible('#for-you .table-alt table'))) await page.click('#for-you .table-alt summary');
  await page.waitForSelector('#for-you .table-alt table tbody tr');
  const rows = await page.locator('#for-you .table-alt table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent)));
  return new Map(rows.map((r) => [r[0], Number(r[1])]));
}

const trainState = (page) => page.getAttribute('#train-status', 'data-state');

async function trained(page) {
  await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('#train-status')?.dataset.state), null, { timeout: 240000 });
  assert.equal(await trainState(page), 'done', await page.textContent('#train-status'));
}

/** Per-rating predictions of a model folder on `data`, through the command line. */
function predictFile(model, data, name) {
  const out = path.join(work, name);
  execFileSync(pamela, ['predict', model, ...data, '--out', out], { stdio: 'pipe' });
  return fs.readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

test('a model trained in the page on loaded files is the command line\'s model, and the predictions and the card follow it', async () => {
  const o = await ready();
  const { page } = o;
  await page.click('button:has-text("Load data")');
  await page.setInputFiles('#file-input', files);
  await page.waitForFunction(() => /loaded from 5 files/.test(document.querySelector('.badge')?.textContent || ''), null, { timeout: 60000 });
  await page.click('#fy-predict');
  await predicted(page);
  const before = await predictions(page);
  assert.equal(await page.locator('[data-testid=trained-on]').count(), 0, 'the published model at first');

  await page.click('#train-start');
  // Progress is shown while it trains, and the page answers meanwhile.
  await page.waitForFunction(() => /Epoch \d+ of 600/.test(document.querySelector('#train-status')?.textContent || ''), null, { timeout: 60000 });
  assert.ok(await page.isVisible('#train-progress'));
  assert.ok(await page.isVisible('#train-cancel'));
  const t0 = Date.now();
  assert.equal(await page.evaluate(() => document.querySelectorAll('#distribution svg .bar').length > 0), true);
  assert.ok(Date.now() - t0 < 2000, 'the page answers while the model trains');
  await trained(page);
  assert.match(await page.textContent('#train-status'), /Trained in [\d.]+ s/);
  await predicted(page);
  assert.match(await page.textContent('[data-testid=trained-on]'), /trained in this browser on .*5 files/);
  const tech = await page.textContent('#for-you .model-card-tech');
  assert.match(tech, /Trained in this browser on .*5 files/);
  // The card is the new data's: its evaluation rows carry intervals over people.
  assert.match(tech, /test_unseen\d?\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/);
  const after = await predictions(page);
  assert.equal(after.size, before.size);
  const moved = [...after].filter(([k, v]) => Math.abs(v - before.get(k)) > 1e-9).length;
  assert.ok(moved > 0, 'the predictions follow the new model');

  // The same model as `pamela train` on the same files and seed.
  const dir = path.join(work, 'page-model');
  fs.mkdirSync(dir);
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.click('#train-download');
  await page.waitForFunction(() => true);
  for (let k = 0; k < 50 && downloads.length < 2; k++) await page.waitForTimeout(100);
  assert.equal(downloads.length, 2, 'the ONNX file and its metadata');
  for (const d of downloads) await d.saveAs(path.join(dir, d.suggestedFilename()));
  const native = path.join(work, 'native-model');
  execFileSync(pamela, ['train', ...files, '--out', native], { stdio: 'pipe' });
  fs.rmSync(path.join(native, 'personal.json'));
  const a = predictFile(dir, files, 'page.csv');
  const b = predictFile(native, files, 'native.csv');
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    assert.equal(a[k][0], b[k][0]);
    assert.equal(a[k][1], b[k][1]);
    worst = Math.max(worst, Math.abs(Number(a[k][4]) - Number(b[k][4])));
  }
  console.log(`# page vs native training: ${a.length} predictions, largest difference ${worst}`);
  assert.ok(worst < 1e-4, `largest difference ${worst}`);

  // Kept only when asked: a reload opens the kept copy, labelled; forgetting goes back.
  await page.click('#train-keep');
  await page.waitForFunction(() => /kept in this browser/.test(document.querySelector('[data-testid=trained-on]')?.textContent || ''), null, { timeout: 10000 });
  await page.reload();
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  await page.click('#fy-predict');
  await predicted(page);
  assert.match(await page.textContent('[data-testid=trained-on]'), /5 files, and is kept/);
  await page.click('#train-forget');
  await page.waitForFunction(() => !document.querySelector('[data-testid=trained-on]'), null, { timeout: 30000 });
  await predicted(page);
  assert.doesNotMatch(await page.textContent('#for-you .model-card-tech'), /Trained in this browser/);
  await page.reload();
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  await page.click('#fy-predict');
  await predicted(page);
  assert.equal(await page.locator('[data-testid=trained-on]').count(), 0, 'forgotten for good');
  assert.deepEqual(o.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('cancelling a training leaves the model in use working', async () => {
  const o = await ready();
  const { page } = o;
  await page.click('#fy-predict');
  await predicted(page);
  const before = await predictions(page);
  await page.click('#train-start');
  await page.waitForFunction(() => /Epoch (\d{2,}) of/.test(document.querySelector('#train-status')?.textContent || ''), null, { timeout: 60000 });
  await page.click('#train-cancel');
  assert.equal(await trainState(page), 'cancelled');
  assert.match(await page.textContent('#train-status'), /cancelled; the model in use is unchanged/);
  assert.equal(await page.locator('#train-progress').count(), 0);
  // The predictor still answers, with the published model.
  await page.fill('#fy-age', '61');
  await page.click('#fy-predict');
  await page.waitForFunction(() => /Predicted/.test(document.querySelector('#for-you .status')?.textContent || ''), null, { timeout: 30000 });
  await predicted(page);
  const after = await predictions(page);
  assert.equal(after.size, before.size);
  assert.equal(await page.locator('[data-testid=trained-on]').count(), 0);
  // And training can start again.
  assert.equal(await page.isEnabled('#train-start'), true);
  assert.deepEqual(o.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('a kept model that no longer loads is removed, said, and the published model answers', async () => {
  const o = await ready();
  const { page } = o;
  // A damaged copy where the worker keeps a model (its bucket, keys beside its script).
  await page.evaluate(async () => {
    const c = await caches.open('pamela-trained-model');
    const at = (k) => new URL(`workers/kept/${k}`, location.href).href;
    await c.put(at('pamela-model.onnx'), new Response(new Uint8Array([1, 2, 3, 4])));
    await c.put(at('pamela-model.json'), new Response('{"format": "pamela-model"}'));
    await c.put(at('origin.txt'), new Response('a damaged copy'));
  });
  await page.click('#fy-predict');
  await predicted(page);
  assert.equal(await page.locator('[data-testid=trained-on]').count(), 0, 'the published model');
  assert.match(await page.textContent('#train-status'), /kept in this browser could not be loaded .*removed, and the published model is used/);
  assert.equal(await page.evaluate(async () => (await (await caches.open('pamela-trained-model')).keys()).length), 0);
  assert.deepEqual(o.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

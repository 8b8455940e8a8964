// End-to-end test of `scripts/build-page`: a project page whose default data is the files its
// owner holds. Generated files stand in for the real ones (`pamela synth` with another seed,
// the synthetic manifest left out, the training split halved so that the counts differ from the
// default data's); the page is built from the existing dist/ (no second trunk build), served
// from a sub-path and checked in Chromium: the badge and About name the source instead of
// "synthetic", the views count the files' ratings, and the predictor's model card says what it
// was trained on. Then the script's messages for a missing folder, a broken file and an
// occupied output folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { serve, launch, open, foreign, repo, dist, pamelaBin } from './harness.mjs';

const SOURCE = 'stand-in files, synth seed 1234';
let work;
let pamela;
let expected; // { ratings, people, images, byFile }
let built; // the build-page run
let server;
let browser;


function buildPage(args, env = {}) {
  return spawnSync(path.join(repo, 'scripts', 'build-page'), args, {
    cwd: repo, encoding: 'utf8', env: { ...process.env, PAMELA_BIN: pamela, ...env }, timeout: 600000,
  });
}

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/ holds a release build (trunk build --release)');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pamela-page-'));
  pamela = pamelaBin();
  const synth = path.join(work, 'synth');
  execFileSync(pamela, ['synth', '--seed', '1234', '--out', synth], { stdio: 'pipe' });
  // The stand-in for the downloaded files: the five split files only (no manifest, so the data
  // is not labelled synthetic), the training split cut to every other record.
  const files = path.join(work, 'files');
  fs.mkdirSync(files);
  const people = new Set();
  const images = new Set();
  const byFile = {};
  let ratings = 0;
  for (const name of fs.readdirSync(synth).filter((n) => /^pamela_.*\.json$/.test(n) && n !== 'pamela_ground_truth.json')) {
    let records = JSON.parse(fs.readFileSync(path.join(synth, name), 'utf8'));
    if (!Array.isArray(records)) continue;
    if (name === 'pamela_train.json') records = records.filter((_, k) => k % 2 === 0);
    fs.writeFileSync(path.join(files, name), JSON.stringify(records));
    byFile[name] = records.length;
    ratings += records.length;
    for (const r of records) { people.add(r.participant_id); images.add(r.image_id); }
  }
  assert.equal(Object.keys(byFile).length, 5, `five split files: ${Object.keys(byFile)}`);
  expected = { ratings, people: people.size, images: images.size, byFile };
  assert.notEqual(ratings, 69904, 'the counts differ from the default data');

  built = buildPage([files, '--out', path.join(work, 'page'), '--source', SOURCE, '--epochs', '40']);
  assert.equal(built.status, 0, `build-page failed:\n${built.stderr}`);
  server = await serve({ root: path.join(work, 'page'), base: '/PAMELA/' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const num = (s) => Number(String(s).replace(/[^0-9]/g, ''));

test('build-page writes a site with the bundle and the model it trained, and no synthetic bundle', () => {
  const page = path.join(work, 'page');
  assert.ok(fs.existsSync(path.join(page, 'data', 'pamela.pamb')));
  assert.ok(!fs.existsSync(path.join(page, 'data', 'pamela-synthetic.pamb')), 'the synthetic bundle is left out');
  assert.ok(!fs.existsSync(path.join(page, 'data', 'first')), 'and so are its files apart');
  assert.ok(!fs.existsSync(path.join(page, 'model', 'personal.json')), 'no per-participant vectors are published');
  const html = fs.readFileSync(path.join(page, 'index.html'), 'utf8');
  assert.match(html, /<meta name="pamela-default-data" content="data\/pamela\.pamb">/);
  assert.match(html, new RegExp(`<meta name="pamela-default-origin" content="${SOURCE}">`));
  assert.match(html, /<meta name="pamela-default-text" content="">/, 'its bundle holds the prompts: no text file');
  // The committed build keeps the synthetic default (apart: bundle, then its images' text).
  assert.match(fs.readFileSync(path.join(dist, 'index.html'), 'utf8'), /content="data\/first\/pamela-synthetic\.pamb"/);
  const stats = JSON.parse(execFileSync(pamela, ['stats', '--json', path.join(page, 'data', 'pamela.pamb')], { encoding: 'utf8' }));
  assert.equal(stats.source, 'pamela');
  assert.equal(stats.ratings, expected.ratings);
  const meta = JSON.parse(fs.readFileSync(path.join(page, 'model', 'pamela-model.json'), 'utf8'));
  assert.equal(meta.data_source, 'pamela');
  assert.equal(meta.epochs, 40);
  assert.match(built.stderr, new RegExp(`${expected.ratings} ratings \\(pamela\\)`));
});

test('the page opens on the files: source named, their counts, a predictor trained on them', async () => {
  const o = await open(browser.context, server.url);
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  // The source badge: not synthetic, names the source given to build-page.
  const badge = await page.textContent('.badge');
  assert.doesNotMatch(badge, /synthetic/i);
  assert.equal(badge.trim(), `PAMELA, loaded from ${SOURCE}`);
  assert.equal(await page.getAttribute('.badge', 'data-source'), 'pamela');
  // About: the bundle's provenance (the files it was made from), no synthetic label.
  const about = await page.textContent('#about');
  assert.match(about, /This page shows PAMELA ratings, loaded from stand-in files/);
  assert.match(about, /Source: PAMELA, loaded from stand-in files, synth seed 1234 \(PAMELA files: .*pamela_train\.json/);
  assert.doesNotMatch(about, /this page shows a synthetic sample/i);
  // The views count the files' ratings.
  assert.equal(num(await page.textContent('[data-testid="selected-count"] strong')), expected.ratings);
  await page.locator('#taste').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('#taste .taste-facts')?.textContent.includes('people'), null, { timeout: 30000 });
  const facts = await page.textContent('#taste .taste-facts');
  const fmt = (n) => n.toLocaleString('en-US');
  assert.match(facts, new RegExp(`${fmt(expected.ratings)} ratings · ${fmt(expected.people)} people · ${fmt(expected.images)} images`));
  // The predictor: its model card says it was trained on these files.
  await page.fill('#fy-age', '31');
  await page.selectOption('#fy-gender', 'female');
  await page.selectOption('#fy-nationality', await page.locator('#fy-nationality option').first().getAttribute('value'));
  await page.click('#fy-predict');
  await page.waitForFunction(() => {
    const s = document.querySelector('#for-you .status');
    return s && s.dataset.status === 'Ready' && document.querySelectorAll('#fy-top li').length > 0;
  }, null, { timeout: 60000 });
  await page.click('#for-you .model-card summary');
  const card = await page.textContent('#for-you .model-card');
  assert.match(card, /Trained on pamela data \(PAMELA files: .*pamela_train\.json.*\)/);
  assert.doesNotMatch(card, /Trained on synthetic/);
  // What was fetched: this bundle and this model, from the page's own origin.
  const own = (p) => o.requests.some((u) => u === `${server.url}${p}`);
  assert.ok(own('data/pamela.pamb'), 'the page fetched its bundle');
  assert.ok(own('model/pamela-model.onnx') && own('model/pamela-model.json'), 'the page fetched its model');
  assert.ok(!o.requests.some((u) => /pamela-synthetic/.test(u)), 'the synthetic bundle was never asked for');
  // Thumbnails of the real data come from the default image host (allowed without consent).
  assert.deepEqual(foreign(o.requests, server.origin, ['https://huggingface.co']), []);
  assert.deepEqual(o.errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no console errors');
  await page.close();
});

test('build-page names what is wrong: a missing folder, a broken file, an occupied output folder', () => {
  const missing = buildPage([path.join(work, 'nowhere'), '--out', path.join(work, 'p1')]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /nowhere: no such folder/);

  const broken = path.join(work, 'broken');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'pamela_train.json'), '[{"image_id": "seven"}]');
  const bad = buildPage([broken, '--out', path.join(work, 'p2')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /pamela_train\.json, record 0, field `image_id`/, 'the CLI\'s message is passed on');
  assert.match(bad.stderr, /could not be converted.*nothing was written/);
  assert.ok(!fs.existsSync(path.join(work, 'p2')), 'no output folder');
  assert.doesNotMatch(bad.stderr, /panicked/);

  const occupied = path.join(work, 'occupied');
  fs.mkdirSync(occupied);
  fs.writeFileSync(path.join(occupied, 'keep.txt'), 'mine');
  const taken = buildPage([path.join(work, 'files'), '--out', occupied]);
  assert.notEqual(taken.status, 0);
  assert.match(taken.stderr, /occupied: exists and is not a page this script wrote/);
  assert.equal(fs.readFileSync(path.join(occupied, 'keep.txt'), 'utf8'), 'mine', 'nothing of it was touched');

  const file = buildPage([path.join(work, 'files', 'pamela_train.json')]);
  assert.notEqual(file.status, 0);
  assert.match(file.stderr, /pamela_train\.json: not a folder/);
});

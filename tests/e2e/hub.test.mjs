// The real PAMELA from the Hub, against a local stand-in of the Hub and its file CDN
// (standin-hub.mjs) serving generated split files: one click loads the five files, a reload
// opens from the browser's copy without a request, a link asks before it downloads (and before
// it contacts a host that is not the Hub), every failure says what to do and keeps the data
// shown, and thumbnails come from the same repository and commit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, pamelaBin } from './harness.mjs';
import { startHub } from './standin-hub.mjs';

const DEFAULT_TOTAL = 69904;
let server;
let hub;
let dir;
let total;

before(async () => {
  // Generated files stand in for the real ones (another seed than the default data's; the
  // counts are the card's either way, so the badge and the link tell the two apart).
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pamela-hub-'));
  const pamela = pamelaBin();
  execFileSync(pamela, ['synth', '--out', dir, '--seed', '7']);
  total = 0;
  for (const n of fs.readdirSync(dir).filter((n) => /^pamela_.*\.json$/.test(n))) {
    total += JSON.parse(fs.readFileSync(path.join(dir, n))).length;
  }
  server = await serve({ base: '/PAMELA/' });
  hub = await startHub({ dir });
});
after(async () => {
  await hub?.close();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const count = async (page) => Number((await page.textContent('[data-testid="selected-count"] strong')).replace(/[^0-9]/g, ''));
const badge = (page) => page.textContent('.badge');
const hubParam = () => `hub=${encodeURIComponent(hub.url)}`;
const lastNotice = (page, level) => page.locator(`.notices .notice.${level}`).last().textContent();

async function ready(page) {
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
}

async function waitNotice(page, level, before) {
  await page.waitForFunction(([l, b]) => document.querySelectorAll(`.notices .notice.${l}`).length > b,
    [level, before], { timeout: 60000 });
  return lastNotice(page, level);
}

const noticeCount = (page, level) => page.locator(`.notices .notice.${level}`).count();

test('one click loads the five split files from the Hub, and a reload opens the kept copy with no request', async () => {
  hub.mode = 'ok';
  const b = await launch();
  try {
    const { page, errors } = await open(b.context, `${server.url}?${hubParam()}`);
    await ready(page);
    assert.equal(await count(page), DEFAULT_TOTAL);
    assert.equal(hub.requests.length, 0, 'nothing is asked of the Hub before the visitor presses the button');
    await page.click('button:has-text("Load data")');
    const button = page.locator('#hub-load');
    assert.match(await button.textContent(), new RegExp(`Load the real PAMELA from 127\\.0\\.0\\.1:${new URL(hub.url).port}`));
    assert.match(await page.textContent('[data-testid="hub-foreign"]'), /comes from the link/);
    const infos = await noticeCount(page, 'info');
    await button.click();
    const done = await waitNotice(page, 'info', infos);
    assert.match(done, new RegExp(`Loaded ${total.toLocaleString('en-US')} ratings of bethgelab/PAMELA, revision ${hub.sha.slice(0, 7)}`));
    assert.match(done, /5 files/);
    assert.equal(await count(page), total, 'every view shows the files\' ratings');
    assert.match(await badge(page), new RegExp(`PAMELA \\(127\\.0\\.0\\.1:\\d+, bethgelab/PAMELA, revision ${hub.sha.slice(0, 7)}\\)`));
    assert.equal(await page.getAttribute('.badge', 'data-source'), 'pamela');
    // Each split file was resolved at the commit and fetched from the CDN origin.
    const resolved = hub.requests.filter((r) => r.origin === 'hub' && r.path.includes(`/resolve/${hub.sha}/pamela_`));
    const fetched = hub.requests.filter((r) => r.origin === 'cdn' && /\/pamela_/.test(r.path));
    assert.equal(resolved.length, 5);
    assert.equal(fetched.length, 5);
    await page.waitForFunction((sha) => location.search.includes(`data=hf:bethgelab/PAMELA@${sha}`), hub.sha);
    // The kept copy is listed with its size.
    await page.click('button:has-text("Load data")');
    assert.match(await page.textContent('[data-testid="hub-kept"]'), new RegExp(`revision ${hub.sha.slice(0, 7)} from 127\\.0\\.0\\.1:\\d+ · \\d+\\.\\d (KB|MB) · saved \\d{4}-\\d\\d-\\d\\d`));

    // Reload: the link holds the commit, the copy is in the browser: no request at all.
    const asked = hub.requests.length;
    await page.reload();
    await page.waitForFunction(() => /PAMELA \(/.test(document.querySelector('.badge')?.textContent || ''), null, { timeout: 30000 });
    await ready(page);
    assert.equal(await count(page), total);
    assert.equal(hub.requests.length, asked, 'the reload asked the stand-in nothing');
    assert.match(await lastNotice(page, 'info'), /from the copy kept in this browser \(nothing was downloaded\)/);

    // Thumbnails (on by default for real data) come from the same repository and commit.
    await page.locator('#images').scrollIntoViewIfNeeded();
    const src = await page.locator('#images img').first().getAttribute('src');
    assert.ok(src.startsWith(`${hub.url}/datasets/bethgelab/PAMELA/resolve/${hub.sha}/images/`), src);
    await page.waitForFunction(() => [...document.querySelectorAll('#images img')].some((i) => i.complete && i.naturalWidth > 0), null, { timeout: 20000 });
    assert.ok(hub.requests.some((r) => r.origin === 'cdn' && r.path.includes('/images/')), 'an image came from the stand-in CDN');
    assert.match(await page.locator('#images img').first().getAttribute('alt'), /\w{8,}/, 'the prompt is the alternative text');

    // "Rate a few images" in For you shows them too.
    await page.click('#fy-predict');
    await page.waitForSelector('#for-you .fy-rate li img', { timeout: 60000 });
    const rate = await page.locator('#for-you .fy-rate li img').first().getAttribute('src');
    assert.ok(rate.startsWith(`${hub.url}/datasets/bethgelab/PAMELA/resolve/${hub.sha}/images/`), rate);

    // Forget the copy: the list empties.
    await page.click('button:has-text("Load data")');
    await page.click('[data-testid="hub-kept"] .hub-forget');
    await page.waitForSelector('[data-testid="hub-kept"]', { state: 'detached' });
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
  }
});

test('a data=hf link on another host contacts nothing before the visitor agrees, then shows what it will download', async () => {
  hub.mode = 'ok';
  hub.requests.length = 0;
  const b = await launch();
  try {
    const { page, errors } = await open(b.context, `${server.url}?${hubParam()}&data=hf`);
    await ready(page);
    const ask = page.locator('[data-testid="hub-ask-host"]');
    await ask.waitFor();
    assert.match(await ask.textContent(), new RegExp(`127\\.0\\.0\\.1:${new URL(hub.url).port}.*Nothing has been requested`));
    assert.equal(hub.requests.length, 0, 'no request before the yes');
    assert.equal(await count(page), DEFAULT_TOTAL);
    await page.click('#hub-ask-yes');
    const confirm = page.locator('[data-testid="hub-confirm"]');
    await confirm.waitFor();
    const text = await confirm.textContent();
    const mb = (hub.bytes / 1048576).toFixed(1);
    assert.match(text, new RegExp(`5 files, ${mb.replace('.', '\\.')} MB`), text);
    assert.match(text, /pamela_train\.json/);
    assert.match(text, /left alone: README\.md, \.gitattributes/);
    assert.equal(hub.requests.filter((r) => r.path.includes('/resolve/')).length, 0, 'nothing downloaded before "Download"');
    const infos = await noticeCount(page, 'info');
    await page.click('#hub-download');
    await waitNotice(page, 'info', infos);
    assert.equal(await count(page), total);

    // The revision moves on the Hub: a data=hf link now offers the new one beside the kept copy.
    const old = hub.sha;
    hub.move();
    const { page: p2 } = await open(b.context, `${server.url}?${hubParam()}&data=hf`);
    await p2.click('#hub-ask-yes');
    await p2.locator('[data-testid="hub-confirm"]').waitFor();
    assert.match(await p2.textContent('[data-testid="hub-newer"]'), new RegExp(`keeps bethgelab/PAMELA, revision ${old.slice(0, 7)}.*now has revision ${hub.sha.slice(0, 7)}`));
    await p2.click('[data-testid="hub-confirm"] .hub-cancel');
    await p2.waitForSelector('[data-testid="hub-confirm"]', { state: 'detached' });
    assert.equal(await count(p2), DEFAULT_TOTAL, 'cancel keeps what was shown');
    await p2.waitForFunction(() => !location.search.includes('data='), null, { timeout: 5000 }); // the link no longer asks for the Hub
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
  }
});

test('every Hub failure says what to do and keeps the data shown', async () => {
  const b = await launch();
  try {
    const { page, errors } = await open(b.context, `${server.url}?${hubParam()}`);
    await ready(page);
    await page.click('button:has-text("Load data")');
    const cases = [
      ['gated', /refused to give .*HTTP 401.*gated or private.*drop them here/],
      ['forbidden', /HTTP 403.*gated or private/],
      ['missing', /has no dataset bethgelab\/PAMELA at revision main \(HTTP 404\): check the name/],
      ['nosplits', /holds no PAMELA split file.*README\.md/],
      ['truncate', /pamela_train\.json/],
      ['corrupt', /pamela_train\.json, (record|line) \d+/],
    ];
    for (const [mode, message] of cases) {
      hub.mode = mode;
      const n = await noticeCount(page, 'error');
      await page.click('#hub-load');
      const text = await waitNotice(page, 'error', n);
      assert.match(text, message, mode);
      assert.match(text, /The data shown before is unchanged/, mode);
      assert.equal(await count(page), DEFAULT_TOTAL, `${mode}: the data stays`);
      assert.equal(await page.getAttribute('.badge', 'data-source'), 'synthetic', mode);
      await page.locator('#hub-load:not([disabled])').waitFor();
    }
    // Cancel in the middle of a download.
    hub.mode = 'slow';
    await page.click('#hub-load');
    await page.locator('[data-testid="hub-progress"]').waitFor();
    await page.waitForFunction(() => /Downloading from .*: [1-9][\d.]* (KB|MB)/.test(document.querySelector('[data-testid="hub-progress"]')?.textContent || ''));
    const infos = await noticeCount(page, 'info');
    await page.click('[data-testid="hub-progress"] .hub-cancel');
    assert.match(await waitNotice(page, 'info', infos), /cancelled.*unchanged/);
    assert.equal(await count(page), DEFAULT_TOTAL);
    // Offline: nothing answers.
    hub.mode = 'ok';
    const { port } = new URL(hub.url);
    await hub.close();
    const n = await noticeCount(page, 'error');
    await page.click('#hub-load');
    assert.match(await waitNotice(page, 'error', n), new RegExp(`could not reach 127\\.0\\.0\\.1:${port}.*offline`));
    assert.equal(await count(page), DEFAULT_TOTAL);
    assert.deepEqual(errors.filter((e) => !/Failed to load resource|net::ERR/.test(e)), []);
  } finally {
    await b.close();
    hub = await startHub({ dir }); // for any later test
  }
});

test('with the Hub unreachable, a data=hf link opens the newest copy kept in this browser and says so', async () => {
  hub.mode = 'ok';
  const b = await launch();
  try {
    const { page, errors } = await open(b.context, `${server.url}?${hubParam()}`);
    await ready(page);
    await page.click('button:has-text("Load data")');
    const infos = await noticeCount(page, 'info');
    await page.click('#hub-load');
    await waitNotice(page, 'info', infos);
    const { sha, url } = hub;
    await hub.close();
    const { page: p2, errors: e2 } = await open(b.context, `${server.url}?hub=${encodeURIComponent(url)}&data=hf`);
    await p2.click('#hub-ask-yes');
    const warning = await waitNotice(p2, 'warning', 0);
    assert.match(warning, new RegExp(`could not reach 127\\.0\\.0\\.1:\\d+.*Opened the copy kept in this browser instead \\(bethgelab/PAMELA, revision ${sha.slice(0, 7)}, saved \\d{4}-\\d\\d-\\d\\d\\)`));
    await ready(p2);
    assert.match(await badge(p2), new RegExp(`PAMELA \\(127\\.0\\.0\\.1:\\d+, bethgelab/PAMELA, revision ${sha.slice(0, 7)}\\)`));
    assert.equal(await count(p2), total);
    assert.deepEqual(errors, []);
    assert.deepEqual(e2.filter((e) => !/Failed to load resource|net::ERR/.test(e)), []);
  } finally {
    await b.close();
    hub = await startHub({ dir });
  }
});

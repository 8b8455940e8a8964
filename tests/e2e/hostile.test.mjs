// Hostile and broken inputs in the page, served by a local test server: each case must end in a
// message that names what is wrong and where, with the data shown before still shown, no panic
// in the console and no request to another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open, foreign, record } from './harness.mjs';

const TOTAL = 69904;
let server;
let browser;

// Each case: a path served by the test server, how it answers, and the message it must give.
const cases = [
  ['huge.json', (req, res) => {
    // Claims 3.5 GB, sends 10 bytes and stalls: refused from the header, nothing reserved.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '3500000000' });
    res.write('[{"a": 1},');
  }, /huge\.json is 3\.3 GB, more than the 2\.0 GB a file may have here/],
  ['short.json', (req, res) => {
    // Claims 1 MB, sends 10 bytes and hangs up.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000000' });
    res.write('[{"a": 1},');
    setTimeout(() => res.socket.destroy(), 50);
  }, /short\.json/],
  ['gone.json', (req, res) => { res.writeHead(404); res.end('not here'); }, /gone\.json: HTTP 404/],
  ['broken.json', (req, res) => { res.writeHead(500); res.end('oops'); }, /broken\.json: HTTP 500/],
  ['pamela_train.json', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Sign in</title>');
  }, /pamela_train\.json.*(JSON|record|line)/],
];

before(async () => {
  const overrides = Object.fromEntries(cases.map(([p, f]) => [`files/${p}`, f]));
  server = await serve({ base: '/', overrides });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('URL loads that lie about their size, break off or fail say so and keep the data', async () => {
  const o = await open(browser.context, server.url);
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  const count = async () => Number((await page.textContent('[data-testid="selected-count"] strong')).replace(/[^0-9]/g, ''));
  assert.equal(await count(), TOTAL);
  await page.click('button:has-text("Load data")');
  for (const [p, , message] of cases) {
    const before = await page.locator('.notice.error').count();
    await page.fill('#load-panel input[type=url]', `${server.url}files/${p}`);
    await page.click('#load-panel button[type=submit]');
    await page.waitForFunction((b) => document.querySelectorAll('.notice.error').length > b, before, { timeout: 20000 });
    const text = await page.locator('.notice.error').last().textContent();
    assert.match(text, message, p);
    assert.match(text, /The data shown before is unchanged/, p);
    assert.equal(await count(), TOTAL, `${p}: the data stays`);
    assert.equal(await page.locator('.progress').count(), 0, `${p}: no progress bar is left behind`);
  }
  // The browser logs each failed request itself; anything else (a panic, a wasm trap) is a bug.
  assert.deepEqual(o.errors.filter((e) => !/^Failed to load resource/.test(e)), [], 'no console errors (no panic)');
  assert.deepEqual(foreign(o.requests, server.origin), [], 'no request to another origin');
  await page.close();
});

test('an image host from a link is shown and asked about, and contacted only after yes', async () => {
  // A second origin stands in for the link author's host and counts what it is asked.
  const host = await serve({ base: '/', overrides: {} });
  try {
    for (const base of [`${host.url}imgs/`]) {
      const link = `${server.url}?thumbs=1&imgbase=${encodeURIComponent(base)}`;
      const o = await open(browser.context, link);
      const { page } = o;
      await page.waitForSelector('#images .image-item', { timeout: 30000 });
      await page.waitForSelector('[data-testid="image-consent"]');
      const words = await page.textContent('[data-testid="image-consent"]');
      assert.match(words, new RegExp(`thumbnails from ${host.origin.slice('http://'.length).replace('.', '\\.')}`), words);
      assert.match(words, /Nothing has been requested from it/);
      assert.equal(await page.locator('#images img[src]').count(), 0, 'no thumbnail address is set');
      assert.deepEqual(foreign(o.requests, server.origin), [], `no request left the page before yes (${base})`);
      await page.click('#image-consent-yes');
      await page.waitForFunction(() => document.querySelectorAll('#images img[src]').length > 0);
      await page.waitForFunction(() => !document.querySelector('[data-testid="image-consent"]'));
      assert.ok(foreign(o.requests, server.origin).every((u) => u.startsWith(host.origin)), 'after yes: only the agreed host');
      await page.close();
    }
    // "Use the default image host" drops the link's host (and the link says so again).
    const o = await open(browser.context, `${server.url}?thumbs=1&imgbase=${encodeURIComponent(`${host.url}imgs/`)}`);
    await o.page.waitForSelector('[data-testid="image-consent"]', { timeout: 30000 });
    await o.page.click('#image-consent-no');
    await o.page.waitForFunction(() => !/[?&]imgbase=/.test(location.search));
    assert.equal(await o.page.locator('[data-testid="image-consent"]').count(), 0);
    await o.page.close();
  } finally {
    await host.close();
  }
});

// Tampered links: each holds one parameter the page cannot use. The page must open on the
// default data, say which parameter it ignored (shown as text, cut to 60 characters), keep the
// rest, and neither fail nor contact another origin.
const links = [
  ['bins=abc', 'bins'], ['bins=1', 'bins'], ['bins=999999999999999999999', 'bins'],
  ['age=90-10', 'age'], ['age=abc', 'age'], ['age=-5', 'age'], ['age=20-', 'age'], ['age=1e400', 'age'],
  ['score=0-9', 'score'], ['score=abc', 'score'], ['score=5-1', 'score'], ['score=NaN-NaN', 'score'],
  ['gender=robot', 'gender'], ['nationality=Atlantis', 'nationality'], ['style=Nonexistent_Style', 'style'],
  ['group=%ZZ', 'group'], ['split=moon', 'split'], ['label=superb', 'label'], ['type=poem', 'type'],
  ['hrow=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'hrow'], ['hcol=gender', 'hcol'], ['minn=-1', 'minn'],
  ['minn=1000000000', 'minn'], ['cmp=age', 'cmp'], ['agree=gender', 'agree'], ['imgs=random', 'imgs'],
  ['color=style', 'color'], ['thumbs=2', 'thumbs'], ['imgbase=javascript:alert(1)', 'imgbase'],
  ['imgbase=http://evil.example/', 'imgbase'], ['ci=maybe', 'ci'], ['diff=magic', 'diff'],
  ['cells=all', 'cells'], ['overall=yes', 'overall'], ['sort=random', 'sort'], ['a.nope=1', 'a.nope'],
  ['a=some', 'a'], ['image=notanumber', 'image'], ['nope=1', 'nope'], [`nope=${'A'.repeat(10000)}`, 'nope'],
  ['%E0%A4%A=1', '%E0%A4%A'], ['age=20-30&age=40-50x', 'age'],
];

test(`${links.length} tampered links open on the data, name what they ignored, and run nothing`, async () => {
  for (const [query, name] of links) {
    const o = await open(browser.context, `${server.url}?${query}`);
    const { page } = o;
    await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
    await page.waitForSelector('.notice.warning', { timeout: 10000 });
    const text = (await page.locator('.notice.warning').allTextContents()).join('\n');
    assert.ok(text.includes(name) && /ignored|dropped/.test(text), `${query.slice(0, 60)}: the notice names ${name} (${text.slice(0, 200)})`);
    assert.ok(!text.includes('A'.repeat(61)), 'a long value is cut');
    const n = Number((await page.textContent('[data-testid="selected-count"] strong')).replace(/[^0-9]/g, ''));
    assert.ok(n > 0, `${query.slice(0, 60)}: the page shows data`);
    assert.equal(await page.evaluate(() => window.__pwned ?? null), null, 'nothing ran');
    assert.equal(await page.locator('script:not([src]):not([type])').evaluateAll((s) => s.filter((e) => /alert/.test(e.textContent)).length), 0);
    assert.deepEqual(o.errors, [], `${query.slice(0, 60)}: no console errors`);
    assert.deepEqual(foreign(o.requests, server.origin), [], `${query.slice(0, 60)}: no request to another origin`);
    await page.close();
  }
});

// Broken files chosen in the load panel: each message names the file (and the record or line
// and field where there is one); the data loaded before stays.
const json = (name, value) => ({ name, mimeType: 'application/json', buffer: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) });
const good = [record('p_1', 1, 3)];
const files = [
  [json('pamela_train.json', ''), /pamela_train\.json.*empty/],
  [json('pamela_train.json', '[{"image_id": 1,'), /pamela_train\.json, record 0/],
  [json('pamela_train.json', {}), /pamela_train\.json/],
  [json('pamela_train.json', [1, 2, 3]), /pamela_train\.json, record 0/],
  [json('pamela_train.json', 'null'), /pamela_train\.json/],
  [json('pamela_train.json', [record('p_1', 1, 3), { ...record('p_1', 2, 3), quality_label: 'superb' }]), /record 1, field `quality_label`/],
  [json('pamela_train.json', [record('p_1', 1, 7.5, { quality_label: 'excellent' })]), /record 0, field `original_score`.*7\.5/],
  [json('pamela_train.json', [record('p_1', 1, -2, { quality_label: 'poor' })]), /record 0, field `original_score`/],
  [json('pamela_train.json', [(({ participant_id, ...r }) => r)(record('p_1', 1, 3))]), /record 0.*participant_id/],
  [json('pamela_train.json', [record('p_1', 1, 3, { user_demographics: { age: 'thirty', age_binned: 'thirties', gender: 'female', nationality: 'Germany' } })]), /record 0.*age/],
  [json('pamela_train.json', [record('p_1', 1, 3, { user_demographics: { age: -5, age_binned: 'thirties', gender: 'female', nationality: 'Germany' } })]), /record 0.*age/],
  [json('pamela_train.json', [record('p_1', -1, 3)]), /record 0.*image_id/],
  [json('pamela_train.json', [record('p_1', 1e30, 3)]), /record 0.*image_id/],
  [json('pamela_train.json', '[{"original_score": NaN}]'), /pamela_train\.json, record 0/],
  [json('pamela_train.json', '['.repeat(100000)), /pamela_train\.json/],
  [json('pamela_train.json', [record('p_1', 1, 3), record('p_2', 1, 3, { image_metadata: { group: 'landscape', style: null, category: 'AI image', prompt: 'A quiet lake', type: 'Photo' } })]), /pamela_train\.json.*(type|image)/],
  [json('ratings.json', good), /ratings\.json.*cannot tell the split/],
  [json('pamela_test_unseen.jsonl', JSON.stringify(record('p_1', 1, 3)) + '\n{"image_id": "seven"}\n'), /line 2, field `image_id`/],
  [json('pamela_test_unseen.jsonl', JSON.stringify(record('p_1', 1, 3)) + '\nnot json at all\n'), /pamela_test_unseen\.jsonl, line 2/],
  [{ name: 'noise.pamb', mimeType: 'application/octet-stream', buffer: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)) }, /noise\.pamb.*bundle/],
  [{ name: 'data.pamb', mimeType: 'application/octet-stream', buffer: Buffer.from('PAMELAbd\x02\x00\xff\xff\xff\xff\x00\x00\x00\x00', 'latin1') }, /data\.pamb.*bundle/],
];

test(`${files.length} broken files each say what and where, and the data shown before stays`, async () => {
  const o = await open(browser.context, server.url);
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  const count = async () => Number((await page.textContent('[data-testid="selected-count"] strong')).replace(/[^0-9]/g, ''));
  await page.click('button:has-text("Load data")');
  for (const [file, message] of files) {
    const before = await page.locator('.notice.error').count();
    await page.setInputFiles('#file-input', [file]);
    await page.waitForFunction((b) => document.querySelectorAll('.notice.error').length > b, before, { timeout: 20000 });
    const text = await page.locator('.notice.error').last().textContent();
    assert.match(text, message, `${file.name}: ${text}`);
    assert.match(text, /The data shown before is unchanged/);
    assert.equal(await count(), TOTAL, `${file.name}: the data stays`);
  }
  assert.deepEqual(o.errors, [], 'no console errors (no panic)');
  await page.close();
});

test('real data that is a little wrong still loads, and its data notes say what and where', async () => {
  const o = await open(browser.context, server.url);
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  const older = { age: 41, age_binned: 'forties', gender: 'female', nationality: 'Germany' };
  const recs = [record('p_1', 1, 3), record('p_1', 2, 4, { user_demographics: older }), record('p_2', 1, 2), record('p_2', 3, 5)];
  await page.click('button:has-text("Load data")');
  await page.setInputFiles('#file-input', [json('pamela_train.json', recs)]);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="selected-count"] strong').textContent.replace(/[^0-9]/g, '')) === 4, null, { timeout: 20000 });
  assert.match((await page.locator('.notice.warning').allTextContents()).join('\n'), /inconsistency .*Data notes/);
  const notes = await page.textContent('#load-panel [data-testid="data-notes"]');
  assert.match(notes, /p_1/);
  assert.match(notes, /pamela_train\.json, record 1/);
  assert.match(notes, /age/);
  assert.ok(await page.locator('#about [data-testid="data-notes"]').count() === 1, 'About shows them too');
  assert.deepEqual(o.errors, []);
  await page.close();
});

test('1,000 unknown link parameters make one notice, and a user-info trick is no image host', async () => {
  // 1,000 (not 5,000): the test server, like most, refuses a request line over 16 KB.
  const many = Array.from({ length: 1000 }, (_, k) => `x${k}=1`).join('&');
  const o = await open(browser.context, `${server.url}?${many}&imgbase=${encodeURIComponent('http://127.0.0.1@203.0.113.9/')}`);
  const { page } = o;
  await page.waitForSelector('#distribution svg .bar', { timeout: 30000 });
  await page.waitForSelector('.notice.warning');
  const notices = await page.locator('.notice').allTextContents();
  assert.ok(notices.length <= 3, `${notices.length} notices`);
  assert.match(notices.join('\n'), /1000 unknown link parameters: x0, x1/);
  assert.match(notices.join('\n'), /imgbase/);
  assert.deepEqual(foreign(o.requests, server.origin), []);
  await page.close();
});

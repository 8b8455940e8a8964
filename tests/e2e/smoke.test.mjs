// The release build loads the default data and shows the card's headline counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open, foreign } from './harness.mjs';

test('the page shows the default bundle\'s counts, labelled synthetic, from a sub-path', async () => {
  const server = await serve({ base: '/PAMELA/' });
  const browser = await launch();
  try {
    const { page, errors, requests } = await open(browser.context, server.url);
    await page.waitForSelector('[data-count="ratings"]', { timeout: 20000 });
    assert.equal(await page.textContent('[data-count="ratings"]'), '69,904');
    assert.equal(await page.textContent('[data-count="images"]'), '5,077');
    assert.equal(await page.textContent('[data-count="participants"]'), '199');
    assert.match(await page.textContent('.badge'), /synthetic/i);
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign(requests, server.origin), []);
  } finally {
    await browser.close();
    await server.close();
  }
});

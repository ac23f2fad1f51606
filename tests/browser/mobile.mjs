// Scenario 7: on a 360 px wide phone the coverage pages (county, township, village, and the
// household and overdue lists) scroll only vertically.

import { scenario, newPage, signIn, visit, horizontalOverflow, NARROW, TIMEOUT } from './lib.mjs';

async function noSideScroll(page, run, what) {
  const o = await horizontalOverflow(page);
  run.check(!o, `${what} (${page.url()}) scrolls sideways at 360 px: scrollWidth ${o && o.scrollWidth} > clientWidth ${o && o.clientWidth}; widest: ${o && o.widest.join(', ')}`);
}

async function drillFirst(page) {
  const link = page.locator('table[data-table=children] tbody th a').first();
  if ((await link.count()) === 0) return false;
  const before = page.url();
  await Promise.all([page.waitForURL((u) => u.href !== before, { timeout: TIMEOUT }), link.click()]);
  await page.waitForLoadState('load');
  return true;
}

await scenario('mobile', async (run, browser) => {
  const page = await newPage(browser, run, NARROW);
  await signIn(page, run);
  await visit(page, run, '/coverage');
  await noSideScroll(page, run, 'the county coverage page');
  if (run.check(await drillFirst(page), 'no township to drill into')) {
    await noSideScroll(page, run, 'a township coverage page');
    if (run.check(await drillFirst(page), 'no village to drill into')) {
      await noSideScroll(page, run, 'a village coverage page');
      const unit = new URL(page.url()).searchParams.get('unit');
      await visit(page, run, `/coverage/households?unit=${unit}&status=due`);
      await noSideScroll(page, run, 'a household list');
    }
  }
  await visit(page, run, '/coverage/overdue');
  await noSideScroll(page, run, 'the overdue list');
});

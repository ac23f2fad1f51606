// Scenario 5: a household whose head is named `<script>alert(1)</script>` (imported by the Rust
// side into a village of township A) shows that name as text on its profile and in the household
// lists, and no dialog opens.
//
// INPUT: { household, village, head }

import { scenario, newPage, signIn, visit, env } from './lib.mjs';

const STATUSES = ['due', 'overdue', 'pending', 'missed', 'on_time', 'late'];

async function settle(page) {
  // Give any script that should not be there a moment to run.
  await page.waitForTimeout(300);
}

await scenario('xss', async (run, browser) => {
  const { household, village, head } = env.input();
  const page = await newPage(browser, run);
  await signIn(page, run);

  const status = await visit(page, run, `/households/${household}`);
  await settle(page);
  if (status === 200) {
    const body = await page.evaluate(() => document.body.textContent);
    run.check(body.includes(head), `/households/${household} does not show the head's name ${JSON.stringify(head)} as text`);
    const scripts = await page.evaluate(() => [...document.scripts].filter((s) => !s.src && (!s.type || /javascript|module/.test(s.type))).length);
    run.check(scripts === 0, `/households/${household} holds ${scripts} inline script elements`);
  }

  // A household list that contains it (the lists are per status; follow the pager).
  let found = null;
  for (const s of STATUSES) {
    let p = `/coverage/households?unit=${village}&status=${s}`;
    for (let n = 0; p && n < 10; n += 1) {
      if ((await visit(page, run, p)) !== 200) break;
      await settle(page);
      const link = page.locator(`table[data-table=households] a[href="/households/${household}"]`);
      if ((await link.count()) > 0) {
        found = p;
        const shown = (await link.first().textContent()).trim();
        run.check(shown === head, `${p}: the household's link reads ${JSON.stringify(shown)}, expected ${JSON.stringify(head)}`);
        break;
      }
      const next = page.locator('nav.pager a[rel=next]');
      p = (await next.count()) > 0 ? await next.first().getAttribute('href') : null;
    }
    if (found) break;
  }
  run.check(found, `no /coverage/households?unit=${village}&status=… list shows household ${household}`);

  // The overdue list names heads too.
  if ((await visit(page, run, `/coverage/overdue?unit=${village}`)) === 200) {
    await settle(page);
    const body = await page.evaluate(() => document.body.textContent);
    if (!body.includes(head)) run.note(`/coverage/overdue?unit=${village} does not list the household`);
  }
  run.data = { list: found };
});

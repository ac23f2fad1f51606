// Scenario 2: the child-welfare reviewer signs in (lands on /reviews), unlocks the child-welfare
// key with its passphrase, checks that the queue lists police-reported (urgent) cases first, opens
// an open case of a household whose worker has a demo phone, reads the decrypted assessment, takes
// the case and returns it with a unique comment. The Rust side then syncs that worker's phone and
// looks for the returned task.
//
// INPUT: { passphrase, households: [household ids whose worker has a demo phone], comment }

import { scenario, newPage, signIn, visit, submit, text, env } from './lib.mjs';

async function unlock(page, run, passphrase) {
  if ((await page.locator('[data-key-state=unlocked]').count()) > 0) {
    run.log('the key is already unlocked');
    return true;
  }
  const form = 'form[data-form=unlock]';
  if (!run.check((await page.locator(form).count()) > 0, `no ${form} on ${page.url()}`)) return false;
  await page.fill(`${form} input[name=passphrase]`, passphrase);
  const audience = page.locator(`${form} select[name=audience]`);
  if ((await audience.count()) > 0) await audience.selectOption('child-welfare');
  const status = await submit(page, form);
  run.check(status === 200, `unlocking answered ${status} (${page.url()})`);
  return run.check((await page.locator('[data-key-state=unlocked]').count()) > 0,
    `after unlocking, ${page.url()} shows no [data-key-state=unlocked]: ${await text(page, '.error')}`);
}

async function queue(page) {
  return page.locator('table[data-table=reviews] tbody tr[data-visit-id]').evaluateAll((trs) =>
    trs.map((tr) => ({ id: tr.getAttribute('data-visit-id'), urgent: tr.getAttribute('data-urgent') === 'true' })),
  );
}

await scenario('reviewer', async (run, browser) => {
  const input = env.input();
  const page = await newPage(browser, run);
  const landed = await signIn(page, run);
  run.check(landed === '/reviews', `the reviewer landed on ${landed}, expected /reviews`);
  if (landed !== '/reviews') await visit(page, run, '/reviews');

  if (!(await unlock(page, run, input.passphrase))) return;
  if (new URL(page.url()).pathname !== '/reviews') await visit(page, run, '/reviews');

  const rows = await queue(page);
  if (!run.check(rows.length > 0, 'the review queue (table[data-table=reviews] tbody tr[data-visit-id]) is empty')) return;
  const firstPlain = rows.findIndex((r) => !r.urgent);
  const lateUrgent = firstPlain < 0 ? -1 : rows.findIndex((r, i) => i > firstPlain && r.urgent);
  run.check(lateUrgent < 0,
    `queue order: row ${lateUrgent + 1} (${rows[lateUrgent] && rows[lateUrgent].id}) is urgent but comes after the non-urgent row ${firstPlain + 1}`);
  const urgent = rows.filter((r) => r.urgent).length;
  if (urgent > 0) run.check(rows[0].urgent, `there are ${urgent} urgent cases but the first row is not one`);
  run.log(`queue: ${rows.length} rows on the first page, ${urgent} urgent`);

  // An open case of a household with a demo phone, non-urgent ones first.
  const phones = new Set(input.households || []);
  const order = [...rows.filter((r) => !r.urgent), ...rows.filter((r) => r.urgent)];
  let chosen = null;
  for (const r of order.slice(0, 15)) {
    await visit(page, run, `/reviews/${r.id}`);
    const hh = await page.locator('a[href^="/households/"]').first().getAttribute('href').catch(() => null);
    const household = hh ? decodeURIComponent(hh.replace('/households/', '')) : null;
    const canAct = (await page.locator('form[data-decision=return], form[data-decision=start]').count()) > 0;
    if (household && phones.has(household) && canAct) {
      chosen = { visit_id: r.id, household_id: household, urgent: r.urgent };
      break;
    }
  }
  if (!run.check(chosen, 'no case among the first 15 of the queue can be returned (no form[data-decision=return|start]) for a household with a demo phone')) return;
  run.log(`case ${chosen.visit_id} of household ${chosen.household_id}`);

  run.check((await page.locator('section[data-assessment]').count()) > 0,
    `/reviews/${chosen.visit_id}: the decrypted assessment (section[data-assessment]) is not shown with the key unlocked`);

  if ((await page.locator('form[data-decision=start]').count()) > 0) {
    const status = await submit(page, 'form[data-decision=start]');
    run.check(status === 200, `taking the case (form[data-decision=start]) answered ${status}`);
    const err = await text(page, 'p.error');
    run.check(!err, `taking the case: ${err}`);
  }
  if (!run.check((await page.locator('form[data-decision=return]').count()) > 0,
    `/reviews/${chosen.visit_id} has no form[data-decision=return] after taking the case`)) return;
  const comment = input.comment;
  await page.fill('form[data-decision=return] textarea[name=comment]', comment);
  const status = await submit(page, 'form[data-decision=return]');
  run.check(status === 200, `returning the case answered ${status}`);
  const err = await text(page, 'p.error');
  run.check(!err, `returning the case: ${err}`);
  run.check((await page.locator('form[data-decision=return]').count()) === 0,
    `/reviews/${chosen.visit_id} still offers form[data-decision=return] after the case was returned`);
  const body = await page.locator('main').textContent();
  if (!body.includes(comment)) run.note(`the case page does not show the return comment after returning`);
  run.data = { ...chosen, comment };
});

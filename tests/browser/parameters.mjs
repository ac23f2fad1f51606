// Scenario 3c: the administrator opens /admin/parameters from the navigation, sets the county's
// low-income standard for a year through its form, and reads the number back from the page. The
// Rust side checks that the API gives the same number.
//
// INPUT: { county: county id, year, yuan }

import { scenario, newPage, signIn, visit, submit, text, shoot, env, navLinks } from './lib.mjs';

await scenario('parameters', async (run, browser) => {
  const input = env.input();
  const page = await newPage(browser, run);
  await signIn(page, run);
  const nav = await navLinks(page);
  run.check(nav.includes('/admin/parameters'), `the admin's navigation lacks /admin/parameters: ${JSON.stringify(nav)}`);
  if (!run.check((await visit(page, run, '/admin/parameters')) === 200, '/admin/parameters is not there')) return;

  const card = `section[data-county="${input.county}"]`;
  if (!run.check((await page.locator(card).count()) === 1, `/admin/parameters has no ${card}`)) return;
  const form = `${card} form:has(input[name=action][value=standard])`;
  if (!run.check((await page.locator(form).count()) === 1, `${card} has no standard form`)) return;
  await page.fill(`${form} input[name=year]`, String(input.year));
  await page.fill(`${form} input[name=yuan]`, String(input.yuan));
  const status = await submit(page, form);
  run.check(status === 200, `saving the standard answered ${status}`);
  const notice = await text(page, '.notice');
  run.check(notice === '参数已保存。', `no "参数已保存。" notice after saving (${JSON.stringify(notice)}): ${await text(page, '.error')}`);
  const shown = await text(page, `${card} td[data-yuan="${input.year}"]`);
  run.check(shown === String(input.yuan), `the page shows ${JSON.stringify(shown)} for ${input.year}, expected ${input.yuan}`);
  const versions = await page.locator(`${card} table[data-templates] tbody tr`).count();
  run.check(versions >= 3, `the county lists ${versions} template versions, expected the three built-in ones`);
  await shoot(page, 'admin-parameters-saved-1366');
  run.data = { shown };
});

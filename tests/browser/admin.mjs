// Scenario 3: the administrator signs in (lands on /admin/staff), opens /admin/devices, and makes
// an enrollment code for a worker through the form; the page shows the code and its QR. The Rust
// side then enrolls a new phone with the code and finds the device in /api/v1/devices.
//
// INPUT: { worker: staff id of the worker }

import { scenario, newPage, signIn, visit, submit, text, env, navLinks } from './lib.mjs';

await scenario('admin', async (run, browser) => {
  const input = env.input();
  const page = await newPage(browser, run);
  const landed = await signIn(page, run);
  run.check(landed === '/admin/staff', `the admin landed on ${landed}, expected /admin/staff`);
  const nav = await navLinks(page);
  run.check(nav.includes('/admin/devices'), `the admin's navigation (nav.nav a) lacks /admin/devices: ${JSON.stringify(nav)}`);

  if (!run.check((await visit(page, run, '/admin/devices')) === 200, '/admin/devices is not there')) return;
  const devicesBefore = await page.locator('table[data-table=devices] tbody tr').count();
  run.check(devicesBefore > 0, '/admin/devices lists no device in table[data-table=devices] (the demo enrolled six phones)');

  const form = 'form[data-form=enrollment-code]';
  if (!run.check((await page.locator(form).count()) > 0, `/admin/devices has no ${form}`)) return;
  const options = await page.locator(`${form} select[name=worker] option`).evaluateAll((os) => os.map((o) => o.value));
  if (!run.check(options.includes(input.worker),
    `${form} select[name=worker] does not offer ${input.worker}: ${JSON.stringify(options)}`)) return;
  await page.locator(`${form} select[name=worker]`).selectOption(input.worker);
  const status = await submit(page, form);
  run.check(status === 200, `making an enrollment code answered ${status}`);

  const code = await text(page, '[data-enrollment-code]');
  if (!run.check(code && code.length >= 6, `no enrollment code in [data-enrollment-code] after submitting (${JSON.stringify(code)}): ${await text(page, '.error')}`)) return;
  run.check((await page.locator('.qr svg').count()) > 0, 'the enrollment code has no QR (.qr svg)');
  run.log(`enrollment code for ${input.worker}: ${code}`);
  run.data = { code, worker: input.worker, devices_listed: devicesBefore };
});

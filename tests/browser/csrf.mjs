// Scenario 6: CSRF. Signed in, a POST to /logout without a token, and one with a wrong token,
// answer 403 and the session still works; every POST form of the page carries a csrf field; the
// real sign-out form then signs out.

import { scenario, newPage, signIn, visit, submit, checkCsrfFields } from './lib.mjs';

async function post(page, body) {
  return page.evaluate(async (fields) => {
    const r = await fetch('/logout', { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
    return r.status;
  }, body);
}

await scenario('csrf', async (run, browser) => {
  const page = await newPage(browser, run);
  const landed = await signIn(page, run);
  run.allow('/logout', 403);

  const token = await page.locator('form[action="/logout"] input[name=csrf]').first().inputValue().catch(() => '');
  run.check(token.length >= 16, `the sign-out form carries no csrf token (${JSON.stringify(token)})`);
  await checkCsrfFields(page, run);

  for (const [what, fields] of [
    ['without a token', {}],
    ['with a wrong token', { csrf: 'wrong-token-0000000000000000' }],
    ['with an empty token', { csrf: '' }],
  ]) {
    const status = await post(page, fields);
    run.check(status === 403, `POST /logout ${what} answered ${status}, expected 403`);
    const after = await visit(page, run, landed);
    const path = new URL(page.url()).pathname;
    run.check(after === 200 && path === landed,
      `after POST /logout ${what}, ${landed} answered ${after} at ${path}: the session was ended`);
  }

  // The real form signs out; the pages then ask to sign in.
  await submit(page, 'form[action="/logout"]');
  run.check(new URL(page.url()).pathname === '/login', `signing out led to ${page.url()}, expected /login`);
  await visit(page, run, landed);
  run.check(new URL(page.url()).pathname === '/login', `after signing out, ${landed} shows ${page.url()}, expected the sign-in page`);
});

// Scenario 9: the administrator adds a WeCom group robot for the county on /admin/alerts, sends it
// a test message, and sees the message delivered in the history. The robot URL (a credential) is
// never shown back. The Rust side checks that the stand-in robot received the message.
//
// INPUT: { url: robot URL, label: channel name }

import { scenario, newPage, signIn, visit, submit, text, shoot, env, navLinks } from './lib.mjs';

await scenario('alerts', async (run, browser) => {
  const input = env.input();
  const page = await newPage(browser, run);
  await signIn(page, run);
  const nav = await navLinks(page);
  run.check(nav.includes('/admin/alerts'), `the admin's navigation lacks /admin/alerts: ${JSON.stringify(nav)}`);
  if (!run.check((await visit(page, run, '/admin/alerts')) === 200, '/admin/alerts is not there')) return;

  const form = 'form[data-form=add-channel]';
  if (!run.check((await page.locator(form).count()) === 1, `/admin/alerts has no ${form}`)) return;
  await page.fill(`${form} input[name=label]`, input.label);
  await page.locator(`${form} select[name=kind]`).selectOption('wecom');
  await page.fill(`${form} input[name=url]`, input.url);
  // Only what the admin asks for: no digest in this test.
  await page.locator(`${form} input[name=ev_digest]`).uncheck();
  let status = await submit(page, form);
  run.check(status === 200, `adding the channel answered ${status}`);
  const added = await text(page, '.notice');
  run.check(added === '渠道已添加。', `no "渠道已添加。" notice after adding (${JSON.stringify(added)}): ${await text(page, '.error')}`);
  const row = page.locator('table[data-table=channels] tbody tr', { hasText: input.label });
  if (!run.check((await row.count()) === 1, `the channel ${input.label} is not listed in table[data-table=channels]`)) return;
  const key = new URL(input.url).searchParams.get('key');
  run.check(!(await page.content()).includes(key), 'the page shows the robot key back');

  const channel = await row.getAttribute('data-channel-id');
  status = await submit(page, `tr[data-channel-id="${channel}"] form[action="/admin/alerts/test"]`);
  run.check(status === 200, `sending a test answered ${status}`);
  const queued = await text(page, '.notice');
  run.check(queued === '测试消息已排队，几秒内送达。', `no queued notice after the test (${JSON.stringify(queued)})`);

  let delivered = 0;
  for (let i = 0; i < 20 && delivered === 0; i += 1) {
    await page.waitForTimeout(500);
    await visit(page, run, '/admin/alerts');
    delivered = await page.locator('table[data-table=alert-history] tbody tr .badge.ok').count();
  }
  run.check(delivered > 0, 'the test message does not show as delivered (.badge.ok in table[data-table=alert-history]) after 10 s');
  await shoot(page, 'admin-alerts-delivered-1366');
  run.data = { channel };
});

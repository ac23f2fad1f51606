// Scenario 8: screenshots of every page at 1366 and 360 px, full page, to
// SHOTS/<role>-<page>-<width>.png: the sign-in page, then for each role every link of its
// navigation, its account page, and one detail page of each list (the first /households/…, /reviews/…, /visits/…,
// /coverage/households and /admin/staff/… link found). Every page must answer 200, keep CSRF fields in its POST forms and raise no
// errors; sideways scrolling at 360 px is noted.
//
// INPUT: { roles: [{ role, login, password }], passphrase }

import { scenario, newPage, signIn, visit, shoot, navLinks, links, checkCsrfFields, horizontalOverflow, env, WIDE, NARROW } from './lib.mjs';

const DETAILS = [
  ['household', /^\/households\/[^/?#]+$/],
  ['review', /^\/reviews\/(?!unlock$|lock$)[^/?#]+$/],
  ['visit', /^\/visits\/[^/?#]+$/],
  ['households-list', /^\/coverage\/households$/],
  ['account', /^\/admin\/staff\/[^/?#]+$/],
];

function pageName(p) {
  const path = p.split('?')[0].replace(/^\/+|\/+$/g, '');
  return path === '' ? 'home' : path.replace(/\//g, '-');
}

async function both(page, run, role, name, p, shots, failed) {
  for (const [label, size] of [['1366', WIDE], ['360', NARROW]]) {
    await page.setViewportSize(size);
    const status = await visit(page, run, p, null);
    const failure = `${role} ${p} answered ${status}`;
    if (status !== 200 && !failed.includes(failure)) failed.push(failure);
    await checkCsrfFields(page, run);
    if (label === '360') {
      const o = await horizontalOverflow(page);
      if (o) run.note(`${role} ${p} scrolls sideways at 360 px (${o.scrollWidth} > ${o.clientWidth}; ${o.widest.join(', ')})`);
    }
    shots.push(await shoot(page, `${role}-${name}-${label}`));
  }
}

await scenario('screenshots', async (run, browser) => {
  const input = env.input();
  const shots = [];
  const failed = [];
  // A page answering something else is listed once, below, rather than as each failed request.
  run.allow(() => true, '*');

  {
    const page = await newPage(browser, run);
    await both(page, run, 'anonymous', 'login', '/login', shots, failed);
    await page.context().close();
  }

  for (const { role, login, password } of input.roles) {
    const page = await newPage(browser, run, WIDE);
    let landed;
    try {
      landed = await signIn(page, run, login, password);
    } catch (e) {
      failed.push(`${role}: ${e.message}`);
      await page.context().close();
      continue;
    }
    // The reviewer's case pages show the assessment with the key unlocked.
    if (role === 'reviewer' && input.passphrase && (await page.locator('form[data-form=unlock]').count()) > 0) {
      await page.fill('form[data-form=unlock] input[name=passphrase]', input.passphrase);
      await page.locator('form[data-form=unlock] button[type=submit]').click();
      await page.waitForLoadState('load');
    }
    const nav = await navLinks(page);
    run.check(nav.length > 0, `${role}: no navigation links (nav.nav a) on ${landed}`);
    // Every role's own account page too (password and sessions), reached from the header.
    const pages = [...new Set([landed, ...nav, '/account/password'])];
    const details = new Map();
    const pending = [];
    const households = [];
    const collect = async () => {
      for (const l of await links(page)) {
        const path = l.split('?')[0];
        if (DETAILS[0][1].test(path) && !households.includes(l)) households.push(l);
        for (const [kind, re] of DETAILS) {
          if (!details.has(kind) && re.test(path)) {
            details.set(kind, l);
            pending.push([kind, l]);
          }
        }
      }
    };
    for (const p of pages) {
      await both(page, run, role, pageName(p), p, shots, failed);
      await collect();
    }
    // Detail pages lead to further details (a household's page lists its visits).
    while (pending.length > 0) {
      const [kind, p] = pending.shift();
      await both(page, run, role, `${kind}-detail`, p, shots, failed);
      await collect();
    }
    // The first household may have no visits yet: look at a few more for a visit's page.
    for (const h of households.slice(1, 6)) {
      if (details.has('visit')) break;
      await visit(page, run, h, null);
      await collect();
      while (pending.length > 0) {
        const [kind, p] = pending.shift();
        await both(page, run, role, `${kind}-detail`, p, shots, failed);
      }
    }
    const missing = DETAILS.map(([k]) => k).filter((k) => !details.has(k));
    // Only some roles reach each kind of detail; a missing one is a note, not a failure.
    if (missing.length) run.note(`${role}: no ${missing.join(', ')} detail link on its pages`);
    await page.context().close();
  }
  for (const f of failed) run.fail(f);
  run.data = { screenshots: shots.length, dir: env.shots() };
});

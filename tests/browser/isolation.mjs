// Scenario 4: township isolation. The station head of township A signs in; no page reachable by
// following links (their navigation and the links on those pages, at most 40 pages) names any
// unit, household or staff id of the other townships, nor the names of their townships and
// villages; the pages and the briefing of another township's units answer 404.
//
// INPUT: { forbidden: [ids and names of other townships], township, village, household }

import { scenario, newPage, signIn, visit, env, links, navLinks, leaks, apiGet } from './lib.mjs';

const MAX_PAGES = 40;

function crawlable(p) {
  const path = p.split('?')[0];
  return !(path.startsWith('/api/') || path.startsWith('/assets/') || path.startsWith('/lang/')
    || path === '/logout' || path.startsWith('/login'));
}

await scenario('isolation', async (run, browser) => {
  const input = env.input();
  const forbidden = input.forbidden;
  const names = forbidden.filter((t) => !/^[A-Za-z0-9_.-]+$/.test(t));
  const page = await newPage(browser, run);
  const landed = await signIn(page, run);
  run.check(landed === '/coverage', `the station head landed on ${landed}, expected /coverage`);
  // Pages that are not there yet are not a leak: any status is accepted while crawling.
  run.allow(() => true, '*');

  const nav = await navLinks(page);
  const queue = [landed, ...nav].filter(crawlable);
  const seen = new Set();
  const statuses = {};
  const depthEnd = queue.length; // pages of the navigation come first, then what they link to
  let index = 0;
  while (queue.length > 0 && seen.size < MAX_PAGES) {
    const p = queue.shift();
    index += 1;
    if (seen.has(p)) continue;
    seen.add(p);
    const status = await visit(page, run, p, null);
    statuses[p] = status;
    const html = await page.content();
    for (const token of leaks(html, forbidden)) {
      run.fail(`${p} (status ${status}) shows ${JSON.stringify(token)} of another township`);
    }
    if (index <= depthEnd && status === 200) {
      // First-level links, spread over each page: at most 12 new ones per page.
      const found = (await links(page)).filter((l) => crawlable(l) && !seen.has(l) && !queue.includes(l));
      queue.push(...found.slice(0, 12));
    }
  }
  run.log(`crawled ${seen.size} pages`);
  const notThere = Object.entries(statuses).filter(([, s]) => s !== 200);
  if (notThere.length) run.note(`pages not answering 200 while crawling: ${notThere.map(([p, s]) => `${p} ${s}`).join(', ')}`);
  run.allowed = [];

  // Another township's units and households: 404 pages, no names on them.
  const probes = [
    `/coverage?unit=${input.township}`,
    `/coverage/households?unit=${input.village}&status=due`,
    `/coverage/overdue?unit=${input.township}`,
    `/coverage/overdue?unit=${input.village}`,
    `/households/${input.household}`,
  ];
  for (const p of probes) {
    const status = await visit(page, run, p, 404);
    const found = leaks(await page.content(), names);
    run.check(found.length === 0, `the 404 page of ${p} names ${JSON.stringify(found)}`);
    if (status !== 404) run.log(`${p}: ${status}`);
  }
  for (const p of [
    `/api/v1/reports/briefing?unit=${input.township}&format=csv`,
    `/api/v1/reports/briefing?unit=${input.village}&format=xlsx`,
    `/api/v1/coverage?unit=${input.township}`,
  ]) {
    const r = await apiGet(page, run, p, 404);
    run.check(r.status === 404, `GET ${p} answered ${r.status}, expected 404`);
    const found = leaks(r.body.toString('utf8'), names);
    run.check(found.length === 0, `GET ${p} names ${JSON.stringify(found)}`);
  }

  // The check itself sees other townships: the county supervisor's coverage names them.
  if (input.control_login) {
    const control = await newPage(browser, run);
    await signIn(control, run, input.control_login, input.control_password);
    await visit(control, run, '/coverage');
    const seenByCounty = leaks(await control.content(), forbidden);
    run.check(seenByCounty.length > 0,
      `control: the county supervisor's /coverage names none of ${forbidden.length} ids and names of other townships; the leak check would find nothing`);
    await control.context().close();
  }
  run.data = { crawled: [...seen] };
});

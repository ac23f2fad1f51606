// Scenario 1: the county supervisor signs in, reads /coverage, whose tiles equal /api/v1/coverage
// for the same filter; drills down county → township → village by following the links, where
// each level's tiles equal the API for that unit and the row it came from; downloads both
// briefings (XLSX and CSV) of the filter.

import fs from 'node:fs';
import { scenario, newPage, signIn, text, apiGet, samePct, links, TIMEOUT } from './lib.mjs';

const METRICS = ['due', 'on_time', 'late', 'missed', 'overdue', 'on_time_pct'];

async function tiles(page) {
  const out = {};
  for (const m of METRICS) out[m] = await text(page, `li.tile[data-metric=${m}] .value`);
  return out;
}

/// The filter the page shows: unit and worker from its URL, dates and category from its form.
async function filterOf(page) {
  const u = new URL(page.url());
  const value = async (sel) => {
    const loc = page.locator(sel).first();
    return (await loc.count()) ? (await loc.inputValue()) : '';
  };
  return {
    unit: u.searchParams.get('unit') || '',
    worker: u.searchParams.get('worker') || '',
    from: await value('form.filters input[name=from]'),
    to: await value('form.filters input[name=to]'),
    category: await value('form.filters select[name=category]'),
  };
}

async function compareWithApi(page, run, level) {
  const f = await filterOf(page);
  if (!run.check(/^\d{4}-\d\d-\d\d$/.test(f.from) && /^\d{4}-\d\d-\d\d$/.test(f.to),
    `${level}: the filter form shows no period (from=${f.from}, to=${f.to})`)) return null;
  const q = new URLSearchParams();
  for (const k of ['unit', 'from', 'to', 'category', 'worker']) if (f[k]) q.set(k, f[k]);
  const r = await apiGet(page, run, `/api/v1/coverage?${q}`);
  if (!run.check(r.status === 200, `${level}: GET /api/v1/coverage?${q} answered ${r.status}`)) return null;
  const api = r.json();
  const shown = await tiles(page);
  const expected = {
    due: String(api.totals.due),
    on_time: String(api.totals.on_time),
    late: String(api.totals.late),
    missed: String(api.totals.missed),
    overdue: String(api.overdue.length),
  };
  for (const [m, want] of Object.entries(expected)) {
    run.check(shown[m] === want,
      `${level} (${page.url()}): tile li.tile[data-metric=${m}] .value shows ${JSON.stringify(shown[m])}, /api/v1/coverage?${q} says ${want}`);
  }
  run.check(samePct(shown.on_time_pct, api.totals.on_time_pct),
    `${level}: tile on_time_pct shows ${JSON.stringify(shown.on_time_pct)}, the API says ${api.totals.on_time_pct} (expected one decimal and %)`);
  run.log(`${level}: tiles ${JSON.stringify(shown)} equal the API`);
  return { filter: f, shown, api };
}

/// The children table's rows: link, name and numbers (due, on time, late, missed, pending, %).
async function childRows(page) {
  return page.locator('table[data-table=children] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const a = tr.querySelector('th a');
      const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent.trim());
      return { href: a ? a.getAttribute('href') : null, name: a ? a.textContent.trim() : '', cells };
    }),
  );
}

async function crumbs(page) {
  return page.locator('nav.breadcrumb li').evaluateAll((lis) => lis.map((li) => li.textContent.trim()));
}

async function drill(page, run, level, row) {
  const before = page.url();
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/coverage' && u.href !== before, { timeout: TIMEOUT }),
    page.locator(`table[data-table=children] tbody th a[href="${row.href}"]`).first().click(),
  ]);
  await page.waitForLoadState('load');
  const res = await compareWithApi(page, run, level);
  if (res) {
    const [due, onTime, late, missed] = row.cells;
    const s = res.shown;
    run.check(s.due === due && s.on_time === onTime && s.late === late && s.missed === missed && s.on_time_pct === row.cells[5],
      `${level}: the parent's row for ${row.name} says due/on time/late/missed/% ${row.cells.join(' ')}, its own page's tiles ${JSON.stringify(s)}`);
  }
  const c = await crumbs(page);
  run.check(c.length > 0 && c[c.length - 1] === row.name,
    `${level}: nav.breadcrumb ends with ${JSON.stringify(c[c.length - 1])}, expected ${JSON.stringify(row.name)} (${JSON.stringify(c)})`);
  return res;
}

async function download(page, run, kind) {
  const link = page.locator(`a[data-download=${kind}]`).first();
  if (!run.check((await link.count()) === 1, `no a[data-download=${kind}] on ${page.url()}`)) return;
  const href = await link.getAttribute('href');
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT }), link.click()]);
  const failure = await dl.failure();
  if (!run.check(!failure, `download ${kind} (${href}) failed: ${failure}`)) return;
  const bytes = fs.readFileSync(await dl.path());
  const name = dl.suggestedFilename();
  if (kind === 'xlsx') {
    run.check(bytes.length > 100 && bytes.subarray(0, 2).toString('latin1') === 'PK',
      `the XLSX briefing (${href}) is not a zip file: ${bytes.length} bytes starting ${JSON.stringify(bytes.subarray(0, 8).toString('latin1'))}`);
  } else {
    const csv = bytes.toString('utf8');
    run.check(csv.includes('合计') || csv.includes('按村覆盖'),
      `the CSV briefing (${href}) holds neither 合计 nor 按村覆盖: ${JSON.stringify(csv.slice(0, 200))}`);
  }
  run.check(name.endsWith(`.${kind}`), `the ${kind} briefing is named ${name}`);
  run.log(`downloaded ${name}: ${bytes.length} bytes`);
}

await scenario('supervisor', async (run, browser) => {
  const page = await newPage(browser, run);
  const landed = await signIn(page, run);
  run.check(landed === '/coverage', `the supervisor landed on ${landed}, expected /coverage`);
  if (landed !== '/coverage') await page.goto('/coverage');

  const county = await compareWithApi(page, run, 'county');
  const countyCrumbs = await crumbs(page);
  run.check(countyCrumbs.length >= 1, 'no nav.breadcrumb on /coverage');

  await download(page, run, 'xlsx');
  await download(page, run, 'csv');

  // County → township → village, following the children table's links.
  let rows = await childRows(page);
  if (!run.check(rows.length > 0, 'county: table[data-table=children] has no rows')) return;
  const township = rows.find((r) => r.href) || rows[0];
  const t = await drill(page, run, `township ${township.name}`, township);
  run.check(!!t && t.filter.unit && t.filter.unit !== (county && county.filter.unit),
    `township: the page URL has no unit of its own (${page.url()})`);
  rows = await childRows(page);
  if (!run.check(rows.length > 0, `township ${township.name}: table[data-table=children] has no rows`)) return;
  const village = rows.find((r) => r.href) || rows[0];
  const v = await drill(page, run, `village ${village.name}`, village);
  const villageCrumbs = await crumbs(page);
  run.check(villageCrumbs.length === countyCrumbs.length + 2,
    `village: the breadcrumb has ${villageCrumbs.length} steps, expected ${countyCrumbs.length + 2}: ${JSON.stringify(villageCrumbs)}`);
  // The village's children are its workers; their links keep the unit and add the worker.
  const workers = await childRows(page);
  run.check(workers.length > 0, `village ${village.name}: no workers in table[data-table=children]`);
  run.data = {
    township: t && t.filter.unit,
    village: v && v.filter.unit,
    worker_links: workers.slice(0, 3).map((w) => w.href),
    household_links: (await links(page, 'a[href^="/households/"]')).slice(0, 3),
  };
});

// Shared helpers of the console's browser scenarios: launch the system Chromium through
// playwright-core (no browser is ever downloaded), sign in through the real form, visit pages
// while collecting everything that went wrong (dialogs, console errors, CSP violations, failed
// requests, unexpected statuses), take screenshots, and report one JSON line to the Rust side.
//
// Environment (set by tests/tests/console_browser.rs):
//   FIELDVISIT_NODE_MODULES  node_modules holding playwright-core
//   FIELDVISIT_CHROMIUM      the Chromium executable
//   BASE_URL                 the demo server, e.g. http://127.0.0.1:41234
//   LOGIN, PASSWORD          the account of the scenario
//   SHOTS                    folder for screenshots
//   INPUT                    JSON with what the scenario needs beyond that

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

export const TIMEOUT = 30_000;
export const WIDE = { width: 1366, height: 768 };
export const NARROW = { width: 360, height: 740 };

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

export const env = {
  base: () => need('BASE_URL').replace(/\/$/, ''),
  login: () => need('LOGIN'),
  password: () => need('PASSWORD'),
  shots: () => need('SHOTS'),
  input: () => JSON.parse(process.env.INPUT || '{}'),
};

function playwright() {
  const modules = need('FIELDVISIT_NODE_MODULES');
  const require = createRequire(path.join(modules, 'noop.js'));
  return require('playwright-core');
}

/// What one scenario found: hard failures, notes, and data for the Rust side.
export class Run {
  constructor(scenario) {
    this.scenario = scenario;
    this.failures = [];
    this.notes = [];
    this.data = {};
    this.allowed = [];
    this.started = Date.now();
  }

  fail(message) {
    this.failures.push(message);
    process.stderr.write(`[${this.scenario}] FAIL ${message}\n`);
  }

  note(message) {
    this.notes.push(message);
    process.stderr.write(`[${this.scenario}] note ${message}\n`);
  }

  log(message) {
    process.stderr.write(`[${this.scenario}] ${message}\n`);
  }

  check(ok, message) {
    if (!ok) this.fail(message);
    return ok;
  }

  /// Lets responses of `url` (a full URL, a path, or a predicate on the URL) answer `status`
  /// ('*' for any) without counting as a failure.
  allow(url, status) {
    this.allowed.push({ url, status });
  }

  isAllowed(url, status) {
    return this.allowed.some((a) => {
      const statusOk = a.status === '*' || a.status === status;
      if (!statusOk) return false;
      if (typeof a.url === 'function') return a.url(url);
      try {
        const u = new URL(url);
        return url === a.url || u.pathname + u.search === a.url || u.pathname === a.url;
      } catch {
        return false;
      }
    });
  }

  /// Prints the result line and exits: 0 when nothing failed.
  finish() {
    const result = {
      scenario: this.scenario,
      ok: this.failures.length === 0,
      seconds: Math.round((Date.now() - this.started) / 100) / 10,
      failures: this.failures,
      notes: this.notes,
      data: this.data,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(result.ok ? 0 : 1);
  }
}

/// Runs `body(run)` as scenario `name`: any exception is a failure; always reports.
export async function scenario(name, body) {
  const run = new Run(name);
  const guard = setTimeout(() => {
    run.fail(`scenario took longer than 8 minutes; stopped`);
    run.finish();
  }, 8 * 60_000);
  let browser;
  try {
    browser = await launch();
    await body(run, browser);
  } catch (e) {
    run.fail(`${e && e.stack ? e.stack : e}`);
  } finally {
    clearTimeout(guard);
    if (browser) await browser.close().catch(() => {});
  }
  run.finish();
}

/// Headless Chromium at FIELDVISIT_CHROMIUM; `--no-sandbox` when running as root.
export async function launch() {
  const { chromium } = playwright();
  const args = ['--disable-dev-shm-usage', '--lang=zh-CN'];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({
    executablePath: need('FIELDVISIT_CHROMIUM'),
    headless: true,
    args,
    timeout: 60_000,
  });
}

/// A new browser context (its own cookies) and page at `viewport`, watched by `run`.
export async function newPage(browser, run, viewport = WIDE) {
  const context = await browser.newContext({
    viewport,
    locale: 'zh-CN',
    acceptDownloads: true,
    baseURL: env.base(),
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  // CSP violations also reach the console, but say so plainly whatever the browser's wording.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} on ${location.pathname}`);
    });
  });
  const page = await context.newPage();
  watch(page, run);
  return page;
}

function watch(page, run) {
  page.on('dialog', (d) => {
    run.fail(`a dialog (${d.type()}) opened on ${page.url()}: ${JSON.stringify(d.message())}`);
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => run.fail(`script error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    const status = /status of (\d{3})/.exec(text);
    const where = m.location() && m.location().url ? m.location().url : page.url();
    // A response we expected to fail shows up here again as "Failed to load resource".
    if (status && /^Failed to load resource/.test(text) && run.isAllowed(where, Number(status[1]))) return;
    run.fail(`console error on ${page.url()}: ${text}${where && where !== page.url() ? ` (${where})` : ''}`);
  });
  page.on('requestfailed', (r) => {
    const err = r.failure() ? r.failure().errorText : 'failed';
    // A link with `download` turns its navigation into a download: the browser aborts the request.
    if (err.includes('ERR_ABORTED') && r.url().includes('/api/v1/reports/briefing')) return;
    if (run.isAllowed(r.url(), '*')) return;
    run.fail(`request failed: ${r.method()} ${r.url()}: ${err}`);
  });
  page.on('response', (r) => {
    const req = r.request();
    if (req.isNavigationRequest() && r.frame() === page.mainFrame()) {
      page.__lastDocument = { url: r.url(), status: r.status() };
    }
    const status = r.status();
    if (status >= 400 && !run.isAllowed(r.url(), status)) {
      run.fail(`${req.method()} ${r.url()} answered ${status}`);
    }
  });
}

/// Goes to `path` and checks the final status (`expect`, 200 by default; `null` for any).
export async function visit(page, run, path, expect = 200) {
  if (expect !== 200) run.allow(path, expect === null ? '*' : expect);
  const resp = await page.goto(path, { waitUntil: 'load', timeout: TIMEOUT });
  const status = resp ? resp.status() : 0;
  if (expect !== null) {
    run.check(status === expect, `GET ${path} answered ${status}, expected ${expect}`);
  }
  return status;
}

/// Submits the form `formSelector` by clicking its submit button; waits for the page it leads
/// to and returns that page's status.
export async function submit(page, formSelector) {
  const form = page.locator(formSelector).first();
  const button = form.locator('button[type=submit], button:not([type]), input[type=submit]').first();
  page.__lastDocument = null;
  await Promise.all([
    page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: TIMEOUT }),
    button.click(),
  ]);
  await page.waitForLoadState('load', { timeout: TIMEOUT });
  return page.__lastDocument ? page.__lastDocument.status : 0;
}

/// Signs in through the form at /login; returns the path it lands on.
export async function signIn(page, run, login = env.login(), password = env.password()) {
  await visit(page, run, '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await submit(page, 'form[action="/login"]');
  const landed = new URL(page.url()).pathname;
  if (landed.startsWith('/login')) {
    const err = await page.locator('#login-error, .error').first().textContent().catch(() => '');
    throw new Error(`sign-in as ${login} stayed on ${page.url()}: ${(err || '').trim()}`);
  }
  run.log(`signed in as ${login}, landed on ${landed}`);
  return landed;
}

/// The text of the first element matching `selector`, trimmed; null when there is none.
export async function text(page, selector) {
  const loc = page.locator(selector).first();
  if ((await loc.count()) === 0) return null;
  return ((await loc.textContent()) || '').trim();
}

/// Whether the page has no horizontal scroll (at the current width).
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const d = document.documentElement;
    if (d.scrollWidth <= d.clientWidth) return null;
    // Name the widest elements to make a failure actionable.
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? '.' + String(e.className).trim().replace(/\s+/g, '.') : ''}`);
    return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, widest: wide };
  });
}

/// Full-page screenshot to SHOTS/<name>.png.
export async function shoot(page, name) {
  const dir = env.shots();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: TIMEOUT });
  return file;
}

/// Same-origin links of the page: absolute paths with their query.
export async function links(page, selector = 'a[href]') {
  const base = env.base();
  const hrefs = await page.locator(selector).evaluateAll((as) => as.map((a) => a.href));
  const out = [];
  for (const h of hrefs) {
    let u;
    try {
      u = new URL(h);
    } catch {
      continue;
    }
    if (u.origin !== new URL(base).origin) continue;
    const p = u.pathname + u.search;
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/// The navigation's links of the signed-in page.
export async function navLinks(page) {
  return links(page, 'nav.nav a[href]');
}

/// GET through the page's context (same cookies); returns { status, body (Buffer), json() }.
export async function apiGet(page, run, pathAndQuery, expect = 200) {
  if (expect !== 200) run.allow(pathAndQuery, expect);
  const r = await page.request.get(pathAndQuery, { timeout: TIMEOUT, failOnStatusCode: false });
  const body = await r.body();
  return {
    status: r.status(),
    body,
    json: () => JSON.parse(body.toString('utf8')),
  };
}

/// Every `form[method=post]` of the page carries a non-empty hidden `csrf` field.
export async function checkCsrfFields(page, run) {
  const bad = await page.evaluate(() =>
    [...document.querySelectorAll('form')]
      .filter((f) => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
      .filter((f) => {
        const t = f.querySelector('input[type=hidden][name=csrf]');
        return !t || !t.value;
      })
      .map((f) => f.getAttribute('action') || '(no action)'),
  );
  for (const action of bad) run.fail(`a POST form to ${action} on ${page.url()} has no csrf field`);
}

/// Escapes `s` for a RegExp.
export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/// The tokens of `forbidden` found in `html`; ids match as whole ids only.
export function leaks(html, forbidden) {
  const found = [];
  for (const token of forbidden) {
    const re = /^[A-Za-z0-9_.-]+$/.test(token)
      ? new RegExp(`(?<![A-Za-z0-9_-])${escapeRe(token)}(?![A-Za-z0-9_])`)
      : new RegExp(escapeRe(token));
    if (re.test(html)) found.push(token);
  }
  return found;
}

/// `76.2%` as the console shows an on-time share: one decimal and a percent sign, within
/// rounding of `value` (Rust rounds exact ties to even, JavaScript's toFixed up).
export function samePct(shown, value) {
  if (shown === null || !/^\d+(\.\d)%$/.test(shown)) return false;
  return Math.abs(parseFloat(shown) - value) <= 0.05 + 1e-9;
}

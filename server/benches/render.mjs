// Loads a console page in Chromium with a cold cache, five times (a fresh browser context each
// time), and the sign-in page the same way as a baseline; prints the median time to the load event.
// Usage: node render.mjs BASE_URL PATH COOKIE (FIELDVISIT_NODE_MODULES, FIELDVISIT_CHROMIUM set).
import { createRequire } from 'node:module';

const require = createRequire(process.env.FIELDVISIT_NODE_MODULES + '/');
const { chromium } = require('playwright-core');
const [base, path, cookie] = process.argv.slice(2);
const [name, value] = cookie.split('=');
const browser = await chromium.launch({
  executablePath: process.env.FIELDVISIT_CHROMIUM,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});

async function load(target, withCookie) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    if (withCookie) {
      await context.addCookies([{ name, value, url: base }]);
    }
    const page = await context.newPage();
    const response = await page.goto(base + target, { waitUntil: 'load', timeout: 60000 });
    if (!response || response.status() !== 200) {
      throw new Error(`${target} answered ${response && response.status()}`);
    }
    times.push(await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd));
    await context.close();
  }
  times.sort((a, b) => a - b);
  return times[2];
}

const login = await load('/login', false);
const report = await load(path, true);
console.log(`Chromium, cold cache, median of 5 to the load event: ${path} ${report.toFixed(0)} ms; /login ${login.toFixed(0)} ms (${(report / login).toFixed(1)}×); target ≤ 1500 ms`);
await browser.close();

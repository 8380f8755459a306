// browser.mjs - drives Debian's chromium (/usr/bin/chromium) with
// playwright-core for the console's browser tests.  Never downloads a
// browser.  Each launch gets a fresh --user-data-dir (removed on close).
//
//   const b = await launchBrowser();
//   const page = await b.page({ width: 1366, height: 768 });
//   ...
//   await b.close();
//
// Console messages of type error and uncaught page errors are collected in
// b.errors; a test that expects an HTTP error (and so Chromium's "Failed to
// load resource" line) says so with b.expectHttpError(404) for its duration.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../api/harness.mjs';

export const CHROMIUM = process.env.IPCITY_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = path.join(ROOT, 'build', 'screenshots');

export async function launchBrowser() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is not installed (run make web): ${e.message}`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (scripts/deps.sh installs the chromium package)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcity-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    acceptDownloads: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15000);
  const errors = [];
  let allowed = [];
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = m.text();
      if (allowed.some((s) => text.includes(`status of ${s}`))) return;
      errors.push(`${page.url()}: console.error: ${text}`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: uncaught: ${e.message}`));
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  fs.mkdirSync(SHOTS, { recursive: true });
  return {
    context,
    errors,
    async page(viewport) {
      const p = context.pages()[0] || (await context.newPage());
      if (viewport) await p.setViewportSize(viewport);
      return p;
    },
    /* Chromium logs "Failed to load resource: ... status of N" for an
     * answered request with an error status; allow these statuses until
     * the returned function is called. */
    expectHttpError(...statuses) {
      allowed = [...allowed, ...statuses.map(String)];
      // console events arrive asynchronously: keep allowing them a moment longer
      return () => new Promise((r) => setTimeout(r, 300)).then(() => (allowed = allowed.filter((s) => !statuses.map(String).includes(s))));
    },
    async shot(page, name, { fullPage = false } = {}) {
      const vp = page.viewportSize();
      const file = path.join(SHOTS, `${name}-${vp.width}x${vp.height}.png`);
      await page.screenshot({ path: file, fullPage });
      return file;
    },
    async close() {
      try {
        await context.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/* Logs in through the form; waits for the menu. */
export async function login(page, base, name, password) {
  await page.goto(`${base}/`);
  await page.locator('#login-name').fill(name);
  await page.locator('#login-password').fill(password);
  await page.locator('form.login button[type=submit]').click();
  await page.locator('#menu a').first().waitFor();
}

export async function logout(page) {
  await page.locator('#logout').click();
  await page.locator('#login-name').waitFor();
}

/* Waits until nothing in main says it is loading. */
export async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('main .loading') && !document.querySelector('main [aria-busy="true"]'), null, { timeout: 20000 });
}

/**
 * What the dashboard's browser tests share: a suite's `vdna serve` and Debian's chromium (driven by
 * playwright-core), pages that record and refuse every request to another origin and record every CSP
 * refusal or page error, signing in, following a job, and where screenshots go (dist/screenshots/, or docs/screenshots/, the README's, with
 * VDNA_UPDATE_SCREENSHOTS=1).
 */
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './helpers.js';
import { startServer, type RunningServer } from './service-helpers.js';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SCREENSHOTS = process.env.VDNA_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(ROOT, 'dist', 'screenshots');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A suite's dashboard: before its tests (after `prepare`), a `vdna serve` with one worker on `dir` and
 * the browser; after them, both stopped and `dir` removed. `newPage` opens the dashboard in a context of
 * its own; `foreign` and `problems` collect what no page may do.
 */
export function dashboardSuite(dir: { path: string; cleanup: () => void }, prepare: () => void = () => undefined) {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const foreign: string[] = [];
  const problems: string[] = [];
  before(async () => {
    prepare();
    [server, browser] = await Promise.all([
      startServer(dir.path, ['--workers', '1']),
      chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    dir.cleanup();
  });

  /** A context whose every request to another origin is recorded and refused, on the dashboard. */
  async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
    const origin = server!.url;
    const context = await browser!.newContext({ viewport });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== origin) {
        foreign.push(url.href);
        return route.abort();
      }
      return route.continue();
    });
    const page = await context.newPage();
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${origin}/`);
    return { context, page };
  }
  return { server: () => server!, newPage, foreign, problems };
}

export async function signIn(page: Page, key: string) {
  await page.fill('#api-key', key);
  await page.click('button[type=submit]');
}

/** Follows the job on the jobs page, which updates by itself (no reload), until it succeeds. */
export async function waitOnJobsPage(page: Page, jobId: string, timeout = 90_000) {
  await page.click('nav >> text=Jobs');
  await page.locator(`li.job[data-job="${jobId}"][data-state="Success"]`).waitFor({ timeout });
}

/** The job id the Submit page's note names once the job is accepted. */
export async function submittedJob(page: Page): Promise<string> {
  const note = page.locator('[data-job]');
  await note.waitFor({ timeout: 30_000 });
  return (await note.getAttribute('data-job'))!;
}

/**
 * The web dashboard end to end, in a real browser (Debian's chromium driven by playwright-core) against
 * a real `vdna serve`: sign in, create a library, upload real media, follow the jobs live (pause,
 * cancel, resume), open a result without a match and the match explorer and check what it draws against the API's result, play from a segment by keyboard,
 * browse the items; a narrow key sees only what it may do and a denial is shown plainly. No request
 * may leave for another origin. Screenshots at desktop and phone widths go to dist/screenshots/ (to
 * docs/screenshots/, the README's, with VDNA_UPDATE_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ffmpeg, media, tempDir } from './helpers.js';
import { ADMIN_TOKEN } from './service-helpers.js';
import { dashboardSuite, DESKTOP, PHONE, SCREENSHOTS, signIn, submittedJob, waitOnJobsPage } from './web-browser.js';

const ORIGINAL = media('video/intel_car-detection.mp4');

describe('the web dashboard in a browser', () => {
  const dir = tempDir('vdna-web-');
  const copy = join(dir.path, 'parking-copy.mp4');
  // A re-encoded excerpt of a real clip: seconds 6-20, smaller and brighter.
  const { server, newPage, foreign, problems } = dashboardSuite(dir, () =>
    ffmpeg(['-ss', '6', '-t', '14', '-i', ORIGINAL, '-vf', 'scale=480:-2,eq=brightness=0.06', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p', '-an', copy]),
  );

  /** Submits a file in a mode (labels as the page shows them) and answers the job id. */
  async function submit(page: Page, file: string, mode: string, key?: string): Promise<string> {
    await page.click('nav >> text=Submit');
    await page.selectOption('select[name=mode]', { label: mode });
    await page.selectOption('select[name=library]', 'films');
    await page.setInputFiles('input[name=media-file]', file);
    if (key) await page.fill('input[name=primary-key]', key);
    await page.click('form >> button[type=submit]');
    return submittedJob(page);
  }

  test('sign in, create a library, upload, follow the jobs, explore the match, browse the items', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'not-a-key');
    await page.locator('[role=alert][data-code=UNAUTHENTICATED]').waitFor();
    await signIn(page, ADMIN_TOKEN);
    await page.locator('header.top >> text=default').waitFor();
    // Keyboard: the first stop is the skip link.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');

    await page.fill('input[name=library-name]', 'films');
    await page.selectOption('select[name=media-type]', 'video');
    await page.click('text=Create library');
    await page.locator('li[data-library="films"]').waitFor();

    const saveJob = await submit(page, ORIGINAL, 'Save without searching', 'parking');
    await waitOnJobsPage(page, saveJob);
    // A result with no match says so (storing without searching matches nothing).
    await page.click(`li.job[data-job="${saveJob}"] >> text=Open result`);
    await page.locator('.no-match >> text=No match').waitFor();

    // A paused queue holds a new job, which can be cancelled; then the queue resumes.
    await page.click('nav >> text=Jobs');
    await page.click('li.queue[data-queue="default"] >> text=Pause');
    await page.locator('li.queue[data-queue="default"][data-paused="true"]').waitFor();
    const heldJob = await submit(page, copy, 'Search');
    await page.click('nav >> text=Jobs');
    await page.click(`li.job[data-job="${heldJob}"][data-state="Paused"] >> text=Cancel`);
    await page.locator(`li.job[data-job="${heldJob}"][data-state="Cancelled"]`).waitFor();
    await page.click('li.queue[data-queue="default"] >> text=Resume');
    await page.locator('li.queue[data-queue="default"][data-paused="false"]').waitFor();

    const searchJob = await submit(page, copy, 'Search');
    await waitOnJobsPage(page, searchJob);
    await page.screenshot({ path: join(SCREENSHOTS, 'jobs-desktop.png') });
    await page.click(`li.job[data-job="${searchJob}"] >> text=Open result`);

    // What the explorer draws is the API's result.
    const card = page.locator('article.match[data-key="parking"]');
    await card.locator('g.segment').first().waitFor();
    const result = (await server().api('GET', `/v1/jobs/${searchJob}/result`)).body;
    const item = (await server().api('GET', '/v1/libraries/films/items/parking')).body;
    assert.equal(result.Matches.length, 1);
    const m = result.Matches[0];
    const expected = [
      ...m.VideoMatchSegments.map((s: any) => ['video', s.StartTime, s.EndTime, s.MasterStartTime, s.MasterEndTime, s.Similarity]),
      ...m.AudioMatchSegments.map((s: any) => ['audio', s.StartTime, s.EndTime, s.MasterStartTime, s.MasterEndTime, s.Similarity]),
      ...m.TextMatchSegments.map((s: any) => ['text', s.Start, s.End, s.MasterStart, s.MasterEnd, s.Similarity]),
    ];
    assert.ok(m.VideoMatchSegments.length > 0, JSON.stringify(m));
    const drawn = await card.locator('svg.timeline-pair').evaluate((svg) => {
      const box = (el: Element | null) => {
        const b = (el as SVGGraphicsElement).getBBox();
        return { x: b.x, y: b.y, width: b.width, height: b.height };
      };
      return {
      queryDuration: Number(svg.getAttribute('data-query-duration')),
      masterDuration: Number(svg.getAttribute('data-master-duration')),
      bar: box(svg.querySelector('.bar-track')),
      segments: [...svg.querySelectorAll('g.segment')].map((g) => ({
        attrs: ['modality', 'start', 'end', 'masterStart', 'masterEnd', 'similarity'].map((k) => (k === 'modality' ? (g as SVGGElement).dataset[k] : Number((g as SVGGElement).dataset[k]))),
        query: box(g.querySelector('.query-box')),
        master: box(g.querySelector('.master-box')),
      })),
      };
    });
    assert.deepEqual(drawn.segments.map((s) => s.attrs), expected);
    assert.ok(Math.abs(drawn.queryDuration - result.MediaDuration) < 1e-6);
    assert.ok(Math.abs(drawn.masterDuration - item.Duration) < 1e-6);
    for (const s of drawn.segments) {
      const [, start, end, masterStart, masterEnd] = s.attrs as number[];
      const at = (t: number, d: number) => drawn.bar.x + (t / d) * drawn.bar.width;
      assert.ok(Math.abs(s.query.x - at(start, drawn.queryDuration)) < 0.5, 'query box starts at its time');
      assert.ok(Math.abs(s.query.x + s.query.width - at(end, drawn.queryDuration)) < 3.5, 'query box ends at its time');
      assert.ok(Math.abs(s.master.x - at(masterStart, drawn.masterDuration)) < 0.5, 'item box starts at its time');
      assert.ok(Math.abs(s.master.x + s.master.width - at(masterEnd, drawn.masterDuration)) < 3.5, 'item box ends at its time');
    }
    // The copy is seconds 6-20 of the original.
    const [, , , firstMasterStart] = expected[0];
    assert.ok(Math.abs(firstMasterStart - expected[0][1] - 6) < 1.5, JSON.stringify(expected[0]));

    // Picture pairs at each segment's start load (through presigned URLs).
    await page.waitForFunction(() => {
      const pics = [...document.querySelectorAll('.segment-row img.thumb')] as HTMLImageElement[];
      return pics.length >= 2 && pics.every((p) => p.complete && p.naturalWidth > 0);
    }, undefined, { timeout: 30_000 });

    // A segment chosen by keyboard moves both players to its times.
    await card.locator('g.segment').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      ([q, ms]) => {
        const [query, master] = [...document.querySelectorAll('article.match video')] as HTMLVideoElement[];
        return query && master && Math.abs(query.currentTime - q) < 0.6 && Math.abs(master.currentTime - ms) < 0.6;
      },
      [expected[0][1], expected[0][3]] as [number, number],
      { timeout: 20_000 },
    ).catch(async (err) => {
      const state = await page.evaluate(() => [...document.querySelectorAll('video')].map((v) => ({ src: v.src, ready: v.readyState, net: v.networkState, error: v.error?.code, t: v.currentTime, canMp4: v.canPlayType('video/mp4; codecs="avc1.42E01E"') })));
      throw new Error(`${err.message} ${JSON.stringify(state)}`);
    });
    await page.evaluate(() => document.querySelectorAll('video').forEach((v) => v.pause()));
    await page.screenshot({ path: join(SCREENSHOTS, 'match-explorer-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'nothing overflows a phone-wide screen');
    await page.screenshot({ path: join(SCREENSHOTS, 'match-explorer-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);

    // The library's items, each with a strip of pictures.
    await page.click('nav >> text=Libraries');
    await page.click('li[data-library="films"] h2 a');
    const parking = page.locator('li.item[data-key="parking"]');
    await parking.waitFor();
    await page.waitForFunction(() => {
      const pics = [...document.querySelectorAll('li.item[data-key="parking"] .strip img')] as HTMLImageElement[];
      return pics.length === 5 && pics.every((p) => p.complete && p.naturalWidth > 0);
    }, undefined, { timeout: 30_000 });
    await context.close();
  });

  test('a narrow key sees only what it may do, and a denial from the API is shown plainly', async () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Action: ['vdna:ListLibraries', 'vdna:CreateLibrary'], Resource: ['library/films*'] },
        { Effect: 'Allow', Action: ['vdna:ListItems'], Resource: ['library/films'] },
      ],
    };
    const key = (await server().api('POST', '/v1/keys', { Account: 'default', Policy: policy })).body.Token;
    const { context, page } = await newPage();
    await signIn(page, key);
    await page.locator('li[data-library="films"]').waitFor();
    assert.deepEqual(await page.locator('nav a').allTextContents(), ['Libraries']);
    assert.equal(await page.locator('li[data-library="films"] >> text=Delete library').count(), 0);
    assert.equal(await page.locator('li[data-library="films"] >> text=Submit media').count(), 0);
    await page.fill('input[name=library-name]', 'music');
    await page.click('text=Create library');
    const denial = page.locator('[role=alert][data-code=ACCESS_DENIED]');
    await denial.waitFor();
    assert.match(await denial.innerText(), /Not allowed.*vdna:CreateLibrary on library\/music/s);
    await context.close();
  });

  test('deleting a library asks first; no request left for another origin', async () => {
    const { context, page } = await newPage(PHONE);
    await signIn(page, ADMIN_TOKEN);
    const films = page.locator('li[data-library="films"]');
    await films.locator('text=Delete library').click();
    await films.locator('text=Keep').click();
    assert.equal(await films.count(), 1);
    await films.locator('text=Delete library').click();
    await films.locator('text=Yes, delete').click();
    await page.locator('text=Library films deleted.').waitFor();
    // The list is drawn again after the notice: wait for the entry to go rather than count at once.
    await films.waitFor({ state: 'detached' });
    assert.equal((await server().api('GET', '/v1/libraries/films')).status, 404);
    await context.close();
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
  });
});

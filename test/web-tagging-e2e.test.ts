/**
 * Smart tagging in the web dashboard, in a real browser against a real `vdna serve`: a real clip (a
 * terminal saying "Hello world..", a webcam face) uploaded as a tagging job of on-screen text and faces;
 * while it runs, a person added to the registry from a photo; the job followed on the jobs page, its
 * result opened in the tags view and what that draws checked against the API's result (the face's
 * picture loaded, a time played from); the unknown face named there, and a person removed (asked
 * first), each checked on the API. Screenshots of the tags view at desktop and phone widths.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { media, tempDir } from './helpers.js';
import { ADMIN_TOKEN } from './service-helpers.js';
import { dashboardSuite, PHONE, SCREENSHOTS, signIn, submittedJob, waitOnJobsPage } from './web-browser.js';

const CLIP = media('video/forensics_movie-hello.mp4');
const PHOTO = media('faces/facerec_obama.jpg');

type Json = Record<string, any>;

describe('smart tagging in the web dashboard', () => {
  const dir = tempDir('vdna-web-tags-');
  const { server, newPage, foreign, problems } = dashboardSuite(dir);

  test('tag a clip, open its tags, name its face; add and remove persons in the registry', async () => {
    const { context, page } = await newPage();
    await signIn(page, ADMIN_TOKEN);
    await page.locator('header.top >> text=default').waitFor();

    // Submit: no library is needed to tag; the analysers chosen are the job's Types.
    await page.click('nav >> text=Submit');
    await page.selectOption('select[name=mode]', { label: 'Tag (text, speech, faces, objects)' });
    assert.equal(await page.locator('select[name=library]').count(), 0);
    await page.uncheck('input[name=types][value=asr]');
    await page.uncheck('input[name=types][value=object]');
    await page.setInputFiles('input[name=media-file]', CLIP);
    await page.click('form >> button[type=submit]');
    const jobId = await submittedJob(page);
    const submitted = (await server().api('GET', `/v1/jobs/${jobId}`)).body;
    assert.deepEqual([submitted.Kind, submitted.Types, submitted.Input.Type], ['tag', 'ocr,face', 'Media']);

    // While it runs: the registry, a person added from a photo (previewed first).
    await page.click('nav >> text=Persons');
    await page.locator('text=Nobody is registered yet.').waitFor();
    await page.fill('input[name=person-name]', 'Barack Obama');
    await page.setInputFiles('input[name=photos]', PHOTO);
    await page.waitForFunction(() => {
      const img = document.querySelector('form .strip img.thumb') as HTMLImageElement | null;
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    await page.click('text=Add person');
    await page.locator('text=Barack Obama registered.').waitFor();
    await page.locator('li[data-person="Barack Obama"] >> text=1 face').waitFor();
    assert.deepEqual((await server().api('GET', '/v1/persons')).body.Persons.map((p: Json) => [p.Name, p.Faces]), [['Barack Obama', 1]]);

    // The job, followed on the jobs page; its result opens in the tags view.
    await waitOnJobsPage(page, jobId);
    assert.match(await page.locator(`li.job[data-job="${jobId}"] .job-head`).innerText(), /Tagging \(ocr, face\)/);
    await page.click(`li.job[data-job="${jobId}"] >> text=Open result`);
    await page.locator('#job-title >> text=Tags').waitFor();
    const timeline = page.locator('svg.tag-timeline');
    await timeline.waitFor();

    // What the timeline draws is the API's result: a row per tag and one per text track, a mark per time.
    const result: Json = (await server().api('GET', `/v1/jobs/${jobId}/result`)).body;
    assert.ok(result.Keyword.some((k: Json) => k.Tag === 'hello'), JSON.stringify(result.Keyword));
    assert.ok(result.Ocr.some((l: Json) => /Hello world/.test(l.Text)), JSON.stringify(result.Ocr));
    assert.equal(result.Person.length, 1, JSON.stringify(result.Person));
    const [face] = result.Person;
    assert.match(face.Tag, /^Unknown person/);
    const seconds = (ms: string | number) => Number(ms) / 1000;
    const expected = [
      ...(['Person', 'Keyword', 'Location', 'Category'] as const).flatMap((group) => result[group].map((t: Json) => [group, t.Tag, t.Times.map(seconds)])),
      ...(['Ocr', 'Asr'] as const).filter((group) => result[group].length).map((group) => [group, group === 'Ocr' ? 'On-screen text' : 'Speech', result[group].map((l: Json) => seconds(l.Start))]),
    ];
    const drawn = await timeline.evaluate((svg) => ({
      duration: Number(svg.getAttribute('data-duration')),
      rows: [...svg.querySelectorAll('g.tag-row')].map((g) => [
        (g as SVGGElement).dataset.group,
        (g as SVGGElement).dataset.label,
        [...g.querySelectorAll('rect.mark')].map((m) => Number((m as SVGRectElement).dataset.start)),
      ]),
    }));
    assert.deepEqual(drawn.rows, expected);
    assert.equal(drawn.duration, result.MediaDuration);

    // The lists: the on-screen text line, the keyword, and the face's picture, loaded.
    await page.locator('section[aria-label="On-screen text"] li >> text=Hello world').first().waitFor();
    await page.locator('section[aria-label="Keywords"] li strong >> text="hello"').waitFor();
    const person = page.locator(`section[aria-label="Persons"] li[data-person="${face.Tag}"]`);
    await page.waitForFunction(
      (tag) => {
        const img = document.querySelector(`section[aria-label="Persons"] li[data-person="${tag}"] img.face`) as HTMLImageElement | null;
        return img !== null && img.complete && img.naturalWidth > 0;
      },
      face.Tag,
      { timeout: 15_000 },
    );
    // A time in the lists plays the media (its presigned URL) from there.
    const [, at] = result.Keyword.find((k: Json) => k.Times.length > 1).Times;
    await page.locator(`section[aria-label="Keywords"] button.time >> text="${(Number(at) / 1000).toFixed(1)} s"`).first().click();
    await page.waitForFunction((t) => Math.abs((document.querySelector('video.tag-player') as HTMLVideoElement).currentTime - t) < 0.6, Number(at) / 1000, { timeout: 20_000 });
    await page.evaluate(() => (document.querySelector('video.tag-player') as HTMLVideoElement).pause());
    await page.screenshot({ path: join(SCREENSHOTS, 'tags-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'nothing overflows a phone-wide screen');
    await timeline.evaluate((svg) => svg.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(SCREENSHOTS, 'tags-phone.png') });

    // The unknown face, named from the tags view: the registry gains that person, from that face.
    await person.locator('input').fill('Eriberto');
    await person.locator('text=Add to persons').click();
    await person.locator('text=Added to Eriberto').waitFor();
    const named = (await server().api('GET', '/v1/persons')).body.Persons;
    assert.deepEqual(named.map((p: Json) => [p.Name, p.Faces]).sort(), [['Barack Obama', 1], ['Eriberto', 1]]);

    // The registry lists them; removing one asks first.
    await page.click('nav >> text=Persons');
    await page.locator('li[data-person="Eriberto"] >> text=1 face').waitFor();
    const eriberto = page.locator('li[data-person="Eriberto"]');
    await eriberto.locator('text=Remove').click();
    await eriberto.locator('text=Keep').click();
    assert.equal((await server().api('GET', '/v1/persons')).body.Persons.length, 2);
    await eriberto.locator('text=Remove').click();
    await eriberto.locator('text=Yes, remove').click();
    await page.locator('text=Eriberto removed.').waitFor();
    // The list is drawn again after the notice: wait for the entry to go rather than count at once.
    await eriberto.waitFor({ state: 'detached' });
    assert.deepEqual((await server().api('GET', '/v1/persons')).body.Persons.map((p: Json) => p.Name), ['Barack Obama']);
    await context.close();
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
  });
});

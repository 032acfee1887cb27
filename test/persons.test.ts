/** The person registry from the CLI: register from photos or a face tagging found, list, remove; `vdna tag` names a registered face. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ffmpeg, media, tempDir, vdna } from './helpers.js';

const tmp = tempDir();
after(() => tmp.cleanup());
const data = join(tmp.path, 'data');
const cli = (...args: string[]) => vdna(['--data', data, ...args]);

test('vdna persons add/list/remove, and vdna tag naming a registered person', () => {
  let r = cli('persons', 'add', 'Barack Obama', media('faces/facerec_obama.jpg'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'Barack Obama: 1 face registered\n');
  r = cli('persons', 'add', 'Barack Obama', media('faces/facerec_obama2.jpg'));
  assert.equal(r.stdout, 'Barack Obama: 2 faces registered\n');
  r = cli('persons', 'add', 'Joe Biden', media('faces/facerec_biden.jpg'));
  assert.equal(r.status, 0, r.stderr);

  r = cli('persons', 'add', 'Nobody', media('ocr/tesseract_phototest.tif'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no face found in .*phototest\.tif \[INVALID_ARGUMENT\]/);
  r = cli('persons', 'add', 'a/b', media('faces/facerec_obama.jpg'));
  assert.match(r.stderr, /\[INVALID_ARGUMENT\]/);

  const listed = JSON.parse(cli('persons', 'list', '--json').stdout);
  assert.deepEqual(listed.map((p: { name: string; faces: number }) => [p.name, p.faces]), [['Barack Obama', 2], ['Joe Biden', 1]]);

  // A three-second video of a third photo of him: his face is named, with its time.
  const clip = join(tmp.path, 'obama.mp4');
  ffmpeg(['-loop', '1', '-i', media('faces/facerec_obama3.jpg'), '-t', '3', '-vf', 'scale=-2:720,format=yuv420p', '-r', '10', clip]);
  const tagged = JSON.parse(cli('tag', clip, '--types', 'face', '--json').stdout);
  assert.deepEqual(tagged.Person.map((p: { Tag: string }) => p.Tag), ['Barack Obama']);
  assert.equal(tagged.Person[0].Times[0], '0');

  assert.equal(cli('persons', 'remove', 'Barack Obama').status, 0);
  const thumbnails = join(tmp.path, 'faces');
  const unnamed = JSON.parse(cli('tag', clip, '--types', 'face', '--json', '--faces', thumbnails).stdout);
  assert.deepEqual(unnamed.Person.map((p: { Tag: string }) => p.Tag), ['Unknown person 1']);
  const faceId = unnamed.Person[0].FaceId as string;
  assert.deepEqual([...readFileSync(join(thumbnails, `${faceId}.jpg`)).subarray(0, 2)], [0xff, 0xd8]);

  // Named by the face the tagging found: later runs know him again.
  r = cli('persons', 'add', 'The President', '--face', faceId);
  assert.equal(r.stdout, 'The President: 1 face registered\n', r.stderr);
  assert.deepEqual(JSON.parse(cli('tag', clip, '--types', 'face', '--json').stdout).Person.map((p: { Tag: string }) => p.Tag), ['The President']);
  r = cli('persons', 'add', 'Someone', '--face', '0'.repeat(24));
  assert.match(r.stderr, /no face with id "0{24}" \[UNKNOWN_FACE\]/);
  r = cli('persons', 'remove', 'Barack Obama');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no person named "Barack Obama" \[UNKNOWN_PERSON\]/);
});

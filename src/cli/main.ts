import { Command, Option } from 'commander';
import { VdnaError } from '../errors.js';
import { capabilities, tools } from '../media/ffmpeg.js';
import { defaultDataDir } from '../data-dir.js';
import { MEDIA_TYPES, type MediaType } from '../store/store.js';
import { hasExtra } from '../tagging/extras.js';
import { tagMedia } from '../tagging/pipeline.js';
import { ANALYSERS, parseAnalysers } from '../tagging/types.js';
import { speechEngineStatus } from '../tagging/speech.js';
import { videoTagResult } from '../views/video-tags.js';
import { facesOf, tagResultOf } from '../jobs/kinds/tag.js';
import { printTags, writeThumbnails } from './tags.js';
import { itemView, libraryView } from '../views/native.js';
import { accessCommands } from './access.js';
import { personCommands } from './persons.js';
import { action } from './local.js';
import { ServiceError } from './client.js';
import { defaultDemoMedia, runDemo } from './demo.js';
import { jobsCommand, serveCommand, workerCommand } from './jobs.js';
import { mediaProgress } from './progress.js';
import { matchTable, table } from './table.js';

interface GlobalOptions {
  data?: string;
}

export function buildProgram(): Command {
  const program = new Command('vdna')
    .description('Media DNA: fingerprint, index and match copies of video, sound, text and pictures on your own machine')
    .addOption(new Option('--data <dir>', 'data directory (default: $VDNA_DATA or ~/.local/share/vdna)'))
    .addOption(new Option('--account <name>', 'the account the local commands act in (default: "default")'))
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });

  program
    .command('add')
    .description('fingerprint FILE and store it in LIBRARY under KEY (creates a video library if needed)')
    .argument('<library>')
    .argument('<file>')
    .requiredOption('--key <key>', 'unique primary key of the item in the library')
    .option('--force', 'replace an existing item with the same key')
    .action(
      action(async ({ services, caller }, library: string, file: string, opts: { key: string; force?: boolean }) => {
        const bar = mediaProgress(`add ${opts.key}`);
        let item;
        try {
          item = await services.libraries.add(caller, library, file, opts.key, { force: opts.force, onProgress: bar.update });
        } finally {
          bar.stop();
        }
        const parts = [`${item.duration.toFixed(1)} s`, ...(item.count ? [`${item.count} frames`] : []), item.hasAudio ? 'sound' : 'no sound', ...(item.hasText ? ['text'] : [])];
        process.stdout.write(`added "${item.key}" to ${library}: ${parts.join(", ")}\n`);
      }),
    );

  program
    .command('search')
    .description('find the items of LIBRARY that FILE shares content with, and the matching segments')
    .argument('<library>')
    .argument('<file>')
    .option('--json', 'print exactly one JSON document {"Matches": [...]} on stdout')
    .action(
      action(async ({ services, caller }, library: string, file: string, opts: { json?: boolean }) => {
        const bar = mediaProgress('search');
        let result;
        try {
          result = { Matches: await services.libraries.search(caller, library, file, { onProgress: bar.update }) };
        } finally {
          bar.stop();
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        process.stdout.write(`${matchTable(result.Matches)}\n`);
      }),
    );

  program
    .command('list')
    .description('list the items of LIBRARY')
    .argument('<library>')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller }, library: string, opts: { json?: boolean }) => {
        const items = await services.libraries.allItems(caller, library);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ Items: items.map(itemView) })}\n`);
          return;
        }
        const rows = items.map((i) => [i.key, Number(i.duration.toFixed(1)), i.count, i.addedAt, i.source]);
        process.stdout.write(`${table(['key', 'seconds', 'frames', 'added', 'source'], rows)}\n`);
        const stripless = items.filter((i) => i.count > 1 && !i.hasStrip).length;
        if (stripless) {
          process.stdout.write(`${stripless} item(s) stored before vdna kept each frame's centre strip: add them again (--force) to find copies cropped to a vertical strip\n`);
        }
      }),
    );

  program
    .command('remove')
    .description('remove the item KEY from LIBRARY')
    .argument('<library>')
    .requiredOption('--key <key>', 'primary key of the item')
    .action(
      action(async ({ services, caller }, library: string, opts: { key: string }) => {
        await services.libraries.remove(caller, library, opts.key);
        process.stdout.write(`removed "${opts.key}" from ${library}\n`);
      }),
    );

  program
    .command('create')
    .description('create a library (vdna add creates video libraries by itself)')
    .argument('<library>')
    .addOption(new Option('--type <type>', 'what it holds').choices([...MEDIA_TYPES]).default('video'))
    .option('--description <text>', 'what the library is for', '')
    .action(
      action(async ({ services, caller }, library: string, opts: { type: MediaType; description: string }) => {
        const lib = await services.libraries.create(caller, library, opts.type, opts.description);
        process.stdout.write(`created ${lib.mediaType} library ${lib.name}\n`);
      }),
    );

  program
    .command('libraries')
    .description('list the DNA libraries')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller }, opts: { json?: boolean }) => {
        const libs = await services.libraries.list(caller);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ Libraries: libs.map(libraryView) })}\n`);
          return;
        }
        const rows = libs.map((l) => [l.name, l.mediaType, l.itemCount, Number(l.duration.toFixed(1)), l.createdAt]);
        process.stdout.write(`${table(['library', 'type', 'items', 'seconds', 'created'], rows)}\n`);
      }),
    );

  program
    .command('drop')
    .description('delete LIBRARY and everything in it')
    .argument('<library>')
    .action(
      action(async ({ services, caller }, library: string) => {
        await services.libraries.delete(caller, library);
        process.stdout.write(`deleted library ${library}\n`);
      }),
    );

  program
    .command('demo')
    .description('build a demo library from ../shared/media and find an edited copy in it (the main job, end to end)')
    .option('--media <dir>', 'folder with the shared video clips', defaultDemoMedia())
    .action(
      action(async (local, opts: { media: string }) => {
        const json = await runDemo(local.services.libraries, local.caller, opts.media, (s) => process.stdout.write(s));
        process.stdout.write(`${json}\nExpected: openboard_wannaworktogether, query 8-38 s <-> library 60-90 s.\n`);
        process.stdout.write('Next: vdna libraries | vdna list demo | vdna search demo FILE --json | vdna --help\n');
      }),
    );

  program
    .command('tag')
    .description('smart tagging of FILE in this process: text on screen (OCR), speech (ASR), faces, objects; keywords and locations, with times')
    .argument('<file>')
    .option('--types <list>', `analysers, comma-separated: ${ANALYSERS.join(',')} (default: all)`)
    .option('--json', 'print the result as JSON, in the clouds\' VideoTagResult shape')
    .option('--faces <dir>', 'write a thumbnail of each person seen to DIR/<FaceId>.jpg')
    .action(
      action(async ({ services, caller }, file: string, opts: { types?: string; json?: boolean; faces?: string }) => {
        const types = parseAnalysers(opts.types);
        // Faces are named from the account's registered persons (vdna persons add).
        const gallery = types.includes('face') ? await services.persons.gallery(caller.account) : undefined;
        const bar = mediaProgress(`tag ${file}`);
        let report;
        try {
          report = await tagMedia(file, { types, gallery, onProgress: (f) => bar.update(Math.round(f * 100), 100) });
        } finally {
          bar.stop();
        }
        // Its faces are kept (their thumbnails as blobs), so that one can be named: vdna persons add NAME --face ID.
        const faces = facesOf(report);
        await services.jobs.keepFaces(caller, faces);
        if (opts.faces) await writeThumbnails(opts.faces, faces);
        const result = videoTagResult(tagResultOf(report, faces));
        if (opts.json) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        printTags(result);
      }),
    );

  program
    .command('doctor')
    .description('show which ffmpeg vdna uses and what it can decode, and which optional parts (smart tagging) are installed')
    .action(async () => {
      const { ffmpeg, ffprobe } = tools();
      const caps = capabilities();
      const flag = (ok: boolean) => (ok ? 'yes' : 'NO');
      process.stdout.write(`ffmpeg:  ${ffmpeg.path} (${ffmpeg.source})\nffprobe: ${ffprobe.path} (${ffprobe.source})\n${caps.version}\n`);
      if (ffmpeg.source === 'bundled') {
        process.stdout.write('warning: this is the static 2018 build from npm; for a maintained decoder of untrusted uploads: npm run setup:ffmpeg\n');
      }
      for (const [name, ok] of Object.entries(caps.decoders)) process.stdout.write(`decoder ${name}: ${flag(ok)}\n`);
      for (const [name, ok] of Object.entries(caps.filters)) process.stdout.write(`filter ${name}: ${flag(ok)}\n`);
      process.stdout.write(`data directory: ${program.opts<GlobalOptions>().data ?? defaultDataDir()}\n`);
      const part = (name: string, pkg: string) => `tagging ${name}: ${hasExtra(pkg) ? 'yes' : 'NO (npm run setup:tagging)'}\n`;
      process.stdout.write(part('ocr', '@gutenye/ocr-node') + part('face', '@vladmandic/face-api') + part('object', '@vladmandic/human'));
      const speech = await speechEngineStatus();
      process.stdout.write(`tagging asr: ${speech.available ? `yes (${speech.engine} ${speech.version ?? ''})`.trim() : `NO (${speech.reason})`}\n`);
    });

  serveCommand(program);
  workerCommand(program);
  jobsCommand(program);
  accessCommands(program);
  personCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Output piped into a reader that stopped (`vdna … | head`) ends the command quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(0) : undefined));
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof VdnaError || err instanceof ServiceError) {
      process.stderr.write(`vdna: error: ${err.message} [${err.code}]\n`);
      return 2;
    }
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.exitCode === 'number' && e.code?.startsWith('commander.')) return e.exitCode;
    process.stderr.write(`vdna: unexpected error: ${e.message ?? String(err)}\n`);
    return 1;
  }
}

/** `vdna persons …`: the person registry smart tagging names faces from, on the data directory. */
import type { Command } from 'commander';
import { VdnaError } from '../errors.js';
import { action } from './local.js';
import { table } from './table.js';

export function personCommands(program: Command): void {
  const persons = program.command('persons').description('the people smart tagging names: registered from face photos');
  persons
    .command('add')
    .description('register NAME from face photos (the largest face of each), or from faces tagging found (--face, ids from its result); or add them to NAME')
    .argument('<name>')
    .argument('[photos...]')
    .option('--face <id>', 'a FaceId from a tagging result (repeatable)', (id: string, ids: string[] = []) => [...ids, id])
    .action(
      action(async ({ services, caller }, name: string, photos: string[], opts: { face?: string[] }) => {
        if (opts.face?.length && photos.length) throw new VdnaError('INVALID_ARGUMENT', 'give photos or --face ids, not both');
        const person = opts.face?.length ? await services.persons.addFaces(caller, name, opts.face) : await services.persons.add(caller, name, photos);
        process.stdout.write(`${person.name}: ${person.faces} face${person.faces === 1 ? '' : 's'} registered\n`);
      }),
    );
  persons
    .command('list')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller }, opts: { json?: boolean }) => {
        const all = await services.persons.list(caller);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        process.stdout.write(`${table(['name', 'faces', 'registered'], all.map((p) => [p.name, String(p.faces), p.createdAt]))}\n`);
      }),
    );
  persons
    .command('remove')
    .argument('<name>')
    .action(
      action(async ({ services, caller }, name: string) => {
        await services.persons.remove(caller, name);
        process.stdout.write(`removed ${name}\n`);
      }),
    );
}

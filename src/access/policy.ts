/**
 * RAM-style JSON policies: a list of Allow/Deny statements over action and resource patterns.
 * Default deny; an explicit Deny wins over any Allow.
 *
 * Patterns: `*` matches any run of characters (including `/`), `?` exactly one; everything else is
 * literal. Actions compare case-insensitively, resources case-sensitively.
 *
 * Policies are written by key holders (CreateKey), so matching must not be exploitable: patterns are
 * matched by a small glob matcher whose cost is at most length(pattern) × length(resource), never by
 * a backtracking regex (`*a*a*a*…b` would be exponential-ish there). Evaluation runs on every
 * request, so each policy is compiled once (cached in a WeakMap keyed by the Policy object; parsed
 * policies are frozen so the cache cannot go stale): action patterns are resolved against the finite
 * action table up front, leaving per action only the resource patterns to test.
 */
import { ACTION_NAMES, CLOUD_ACTIONS, RESOURCE_KINDS, type Action, type ResourceKind } from './actions.js';
import { VdnaError } from '../errors.js';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
}

export interface Policy {
  Version: string;
  Statement: Statement[];
}

/** Everything on everything. */
export const ADMIN_POLICY: Policy = deepFreeze({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] });

const MAX_BYTES = 16 * 1024;
const MAX_STATEMENTS = 64;
const MAX_ENTRIES = 100;
const TOP_KEYS = new Set(['Version', 'Statement']);
const STATEMENT_KEYS = new Set(['Effect', 'Action', 'Resource']);

function invalid(message: string): never {
  throw new VdnaError('INVALID_ARGUMENT', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A policy from an object or a JSON string; anything malformed is refused with INVALID_ARGUMENT. */
export function parsePolicy(input: unknown): Policy {
  let doc: unknown = input;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > MAX_BYTES) invalid(`the policy is larger than ${MAX_BYTES / 1024} KiB`);
    try {
      doc = JSON.parse(input);
    } catch (err) {
      invalid(`the policy is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    let text: string | undefined;
    try {
      text = JSON.stringify(input);
    } catch {
      invalid('the policy is not a JSON document');
    }
    if (text !== undefined && Buffer.byteLength(text) > MAX_BYTES) invalid(`the policy is larger than ${MAX_BYTES / 1024} KiB`);
  }
  if (!isObject(doc)) invalid('a policy is a JSON object with a Statement list');
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.has(key)) invalid(`unknown key "${key}" in the policy (it may have only Version and Statement)`);
  }
  const version = doc.Version ?? '1';
  if (version !== '1') invalid('the policy Version must be "1"');
  const statements = doc.Statement;
  if (statements === undefined) invalid('the policy has no Statement');
  if (!Array.isArray(statements)) invalid('the policy Statement must be a list of statements');
  if (statements.length === 0) invalid('the policy Statement list is empty');
  if (statements.length > MAX_STATEMENTS) invalid(`the policy has more than ${MAX_STATEMENTS} statements`);
  const policy: Policy = { Version: version, Statement: statements.map((s, i) => parseStatement(s, `statement ${i + 1}`)) };
  compiled.set(policy, compile(policy));
  return deepFreeze(policy);
}

function parseStatement(s: unknown, where: string): Statement {
  if (!isObject(s)) invalid(`${where} is not an object`);
  for (const key of Object.keys(s)) {
    if (!STATEMENT_KEYS.has(key)) invalid(`unknown key "${key}" in ${where} (a statement has only Effect, Action and Resource)`);
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') invalid(`${where}: Effect must be "Allow" or "Deny"`);
  const actions = patternList(s.Action, 'Action', where);
  for (const a of actions) {
    if (actionsOf(a).length === 0) {
      invalid(`${where}: Action "${a}" matches no vdna action (e.g. "vdna:GetLibrary", "vdna:Get*" or "*") nor a cloud action (e.g. "ice:SubmitDNAJob")`);
    }
  }
  const resources = patternList(s.Resource, 'Resource', where);
  for (const r of resources) {
    if (r !== '*' && !RESOURCE_KINDS.some((kind) => r.startsWith(`${kind}/`))) {
      invalid(`${where}: Resource "${r}" must be "*" or start with ${RESOURCE_KINDS.map((k) => `${k}/`).join(', ')}`);
    }
  }
  return { Effect: s.Effect, Action: actions, Resource: resources };
}

function patternList(v: unknown, name: string, where: string): string[] {
  if (v === undefined) invalid(`${where}: ${name} is missing`);
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) invalid(`${where}: ${name} must be a string or a list of strings`);
  if (list.length === 0) invalid(`${where}: ${name} is empty`);
  if (list.length > MAX_ENTRIES) invalid(`${where}: ${name} has more than ${MAX_ENTRIES} entries`);
  return [...list];
}

/** Whether the policy allows the action on the resource (`<kind>/<name>`). */
export function isAllowed(policy: Policy, action: Action, resource: string): boolean {
  const rules = compiledOf(policy).get(action);
  if (!rules || matches(rules.deny, resource)) return false;
  return matches(rules.allow, resource);
}

/**
 * Whether the policy may allow the action on some resource of a kind (a page shows a "create library"
 * form to a key that may create some library). Generous about Allows whose pattern reaches into the
 * kind, strict only about a Deny that covers the whole kind: the call itself is still checked.
 */
export function allowsSome(policy: Policy, action: Action, kind: ResourceKind): boolean {
  const rules = compiledOf(policy).get(action);
  if (!rules) return false;
  const base = `${kind}/`;
  const coversKind = (p: string) => p.endsWith('*') && base.startsWith(p.slice(0, -1));
  if (rules.deny.patterns.some(coversKind)) return false;
  return rules.allow.patterns.some((p) => {
    const literal = p.slice(0, firstWildcard(p));
    return literal.startsWith(base) || base.startsWith(literal);
  });
}

/**
 * Whether the policy allows the action on every resource of a kind, so that a list need not be
 * filtered item by item. Conservative: false whenever some Deny might bite, or no single Allow
 * pattern obviously covers the whole kind.
 */
export function allowsEvery(policy: Policy, action: Action, kind: ResourceKind): boolean {
  const rules = compiledOf(policy).get(action);
  if (!rules) return false;
  const base = `${kind}/`;
  // `*`, `library/*`, `lib*`: a trailing star after a prefix of `<kind>/` (which has no wildcard, so neither has the prefix).
  const covered = rules.allow.patterns.some((p) => p.endsWith('*') && base.startsWith(p.slice(0, -1)));
  if (!covered) return false;
  return !rules.deny.patterns.some((p) => {
    const literal = p.slice(0, firstWildcard(p));
    return literal.startsWith(base) || base.startsWith(literal);
  });
}

// ---- compilation ----

/** A glob split at its stars: `a*b?c*d` → ['a', 'b?c', 'd']; a pattern without a star has one part. */
interface Glob {
  parts: string[];
  /** Which parts contain `?` (the others compare with startsWith). */
  jokers: boolean[];
  minLength: number;
}

/** The resource patterns of one effect for one action, sorted by how cheaply they test. */
interface Matcher {
  any: boolean;
  exact: Set<string>;
  prefixes: string[];
  globs: Glob[];
  /** The normalised patterns, for allowsEvery. */
  patterns: string[];
}

type Compiled = Map<Action, { allow: Matcher; deny: Matcher }>;

const compiled = new WeakMap<Policy, Compiled>();

function compiledOf(policy: Policy): Compiled {
  let c = compiled.get(policy);
  if (!c) {
    c = compile(policy);
    compiled.set(policy, c);
  }
  return c;
}

/** The vdna actions an action pattern names: vdna actions it matches, and those the cloud actions it matches stand for. */
function actionsOf(pattern: string): Action[] {
  const glob = compileGlob(pattern.toLowerCase());
  const named = new Set(ACTION_NAMES.filter((name) => matchGlob(glob, name.toLowerCase())));
  for (const [cloud, actions] of Object.entries(CLOUD_ACTIONS)) {
    if (matchGlob(glob, cloud.toLowerCase())) actions.forEach((a) => named.add(a));
  }
  return [...named];
}

function compile(policy: Policy): Compiled {
  const byAction = new Map<Action, { allow: Set<string>; deny: Set<string> }>();
  for (const s of policy.Statement) {
    const named = new Set(s.Action.flatMap(actionsOf));
    // Collapsing runs of stars changes nothing in meaning and keeps allowsEvery's test simple.
    const resources = s.Resource.map((r) => r.replace(/\*+/g, '*'));
    for (const name of ACTION_NAMES) {
      if (!named.has(name)) continue;
      let entry = byAction.get(name);
      if (!entry) byAction.set(name, (entry = { allow: new Set(), deny: new Set() }));
      for (const r of resources) (s.Effect === 'Deny' ? entry.deny : entry.allow).add(r);
    }
  }
  const out: Compiled = new Map();
  for (const [name, { allow, deny }] of byAction) out.set(name, { allow: matcher(allow), deny: matcher(deny) });
  return out;
}

function matcher(patterns: Set<string>): Matcher {
  const m: Matcher = { any: false, exact: new Set(), prefixes: [], globs: [], patterns: [...patterns] };
  for (const p of patterns) {
    const w = firstWildcard(p);
    if (p === '*') m.any = true;
    else if (w === p.length) m.exact.add(p);
    else if (w === p.length - 1 && p[w] === '*') m.prefixes.push(p.slice(0, -1));
    else m.globs.push(compileGlob(p));
  }
  return m;
}

function matches(m: Matcher, resource: string): boolean {
  return (
    m.any ||
    m.exact.has(resource) ||
    m.prefixes.some((p) => resource.startsWith(p)) ||
    m.globs.some((g) => matchGlob(g, resource))
  );
}

function firstWildcard(p: string): number {
  for (let i = 0; i < p.length; i++) if (p[i] === '*' || p[i] === '?') return i;
  return p.length;
}

function compileGlob(pattern: string): Glob {
  const parts = pattern.split('*');
  return { parts, jokers: parts.map((p) => p.includes('?')), minLength: parts.reduce((n, p) => n + p.length, 0) };
}

/** Whether part `i` of the glob matches `s` at `at` (`?` is any one UTF-16 unit). */
function partAt(g: Glob, i: number, s: string, at: number): boolean {
  const part = g.parts[i];
  if (!g.jokers[i]) return s.startsWith(part, at);
  for (let k = 0; k < part.length; k++) if (part[k] !== '?' && part[k] !== s[at + k]) return false;
  return true;
}

/**
 * Anchors the first part at the start and the last at the end, then places each middle part at its
 * leftmost fit: placing a part as early as possible never hurts the parts after it, so no
 * backtracking is needed.
 */
function matchGlob(g: Glob, s: string): boolean {
  const n = g.parts.length;
  if (n === 1) return s.length === g.minLength && partAt(g, 0, s, 0);
  if (s.length < g.minLength) return false;
  const last = g.parts[n - 1];
  if (!partAt(g, 0, s, 0) || !partAt(g, n - 1, s, s.length - last.length)) return false;
  let pos = g.parts[0].length;
  const end = s.length - last.length;
  for (let i = 1; i < n - 1; i++) {
    const len = g.parts[i].length;
    let at = pos;
    while (at + len <= end && !partAt(g, i, s, at)) at++;
    if (at + len > end) return false;
    pos = at + len;
  }
  return true;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_POLICY, allowsEvery, isAllowed, parsePolicy } from '../src/access/policy.js';
import { VdnaError } from '../src/errors.js';

function allow(action: string | string[], resource: string | string[]) {
  return { Effect: 'Allow', Action: action, Resource: resource };
}

function deny(action: string | string[], resource: string | string[]) {
  return { Effect: 'Deny', Action: action, Resource: resource };
}

function policy(...statements: object[]) {
  return parsePolicy({ Version: '1', Statement: statements });
}

/** Asserts parsePolicy refuses the input with INVALID_ARGUMENT and a message matching `message`. */
function refuses(input: unknown, message: RegExp) {
  assert.throws(
    () => parsePolicy(input),
    (err: unknown) => {
      assert.ok(err instanceof VdnaError, `expected a VdnaError, got ${String(err)}`);
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('parsePolicy', () => {
  it('normalises single strings to lists, defaults the Version and accepts JSON text', () => {
    const p = parsePolicy(JSON.stringify({ Statement: [allow('vdna:GetLibrary', 'library/films')] }));
    assert.deepEqual(p, { Version: '1', Statement: [{ Effect: 'Allow', Action: ['vdna:GetLibrary'], Resource: ['library/films'] }] });
  });

  it('keeps only the known keys and survives a JSON round trip', () => {
    const p = policy(allow(['vdna:Get*', 'vdna:ListItems'], ['library/a', 'queue/*']), deny('*', 'library/secret'));
    assert.deepEqual(parsePolicy(JSON.stringify(p)), p);
  });

  it('accepts action patterns that match some action, in any case', () => {
    for (const a of ['*', 'vdna:*', 'vdna:Get*', 'VDNA:getlibrary', 'vdna:?etLibrary', '*Library']) {
      assert.doesNotThrow(() => policy(allow(a, '*')), a);
    }
  });

  it('refuses what is not a policy object', () => {
    refuses(null, /JSON object/);
    refuses(42, /JSON object/);
    refuses([allow('*', '*')], /JSON object/);
    refuses('"a string"', /JSON object/);
    refuses('{"Statement": [', /not valid JSON/);
  });

  it('refuses a missing, non-list, empty or overlong Statement', () => {
    refuses({ Version: '1' }, /has no Statement/);
    refuses({ Statement: allow('*', '*') }, /Statement must be a list/);
    refuses({ Statement: [] }, /Statement list is empty/);
    refuses({ Statement: Array.from({ length: 65 }, () => allow('*', '*')) }, /more than 64 statements/);
    assert.doesNotThrow(() => parsePolicy({ Statement: Array.from({ length: 64 }, () => allow('*', '*')) }));
  });

  it('refuses unknown keys at the top and in a statement', () => {
    refuses({ Version: '1', Statement: [allow('*', '*')], Id: 'x' }, /unknown key "Id" in the policy/);
    refuses({ Statement: [{ ...allow('*', '*'), Condition: {} }] }, /unknown key "Condition" in statement 1/);
    refuses('{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}], "__proto__": {}}', /unknown key "__proto__"/);
  });

  it('refuses another Version', () => {
    refuses({ Version: '2012-10-17', Statement: [allow('*', '*')] }, /Version must be "1"/);
    refuses({ Version: 1, Statement: [allow('*', '*')] }, /Version must be "1"/);
  });

  it('refuses a statement that is not an object, or has a bad Effect', () => {
    refuses({ Statement: [allow('*', '*'), 'Allow'] }, /statement 2 is not an object/);
    refuses({ Statement: [{ Effect: 'allow', Action: '*', Resource: '*' }] }, /statement 1: Effect must be "Allow" or "Deny"/);
    refuses({ Statement: [{ Action: '*', Resource: '*' }] }, /Effect must be/);
  });

  it('refuses a missing, empty, mistyped or overlong Action or Resource', () => {
    refuses({ Statement: [{ Effect: 'Allow', Resource: '*' }] }, /statement 1: Action is missing/);
    refuses({ Statement: [{ Effect: 'Allow', Action: '*' }] }, /statement 1: Resource is missing/);
    refuses({ Statement: [allow([], '*')] }, /Action is empty/);
    refuses({ Statement: [allow('*', [])] }, /Resource is empty/);
    refuses({ Statement: [allow(7 as never, '*')] }, /Action must be a string or a list of strings/);
    refuses({ Statement: [allow('*', ['library/a', 3] as never)] }, /Resource must be a string or a list of strings/);
    refuses({ Statement: [allow(Array(101).fill('*'), '*')] }, /Action has more than 100 entries/);
    refuses({ Statement: [allow('*', Array(101).fill('*'))] }, /Resource has more than 100 entries/);
    assert.doesNotThrow(() => policy(allow(Array(100).fill('*'), Array(100).fill('*'))));
  });

  it('refuses action patterns that match no action', () => {
    refuses({ Statement: [allow('vdna:Fly', '*')] }, /Action "vdna:Fly" matches no vdna action/);
    refuses({ Statement: [allow(['vdna:GetLibrary', 'ice:Foo'], '*')] }, /Action "ice:Foo" matches no vdna action/);
    refuses({ Statement: [allow('', '*')] }, /Action "" matches no vdna action/);
  });

  it('refuses resource patterns outside the resource kinds', () => {
    refuses({ Statement: [allow('*', 'lib*')] }, /Resource "lib\*" must be "\*" or start with library\//);
    refuses({ Statement: [allow('*', 'films')] }, /Resource "films"/);
    refuses({ Statement: [allow('*', 'Library/films')] }, /Resource "Library\/films"/);
    refuses({ Statement: [allow('*', '')] }, /Resource ""/);
    for (const r of ['library/x', 'queue/*', 'account/a', 'key/VDNA1', 'system/metrics']) assert.doesNotThrow(() => policy(allow('*', r)), r);
  });

  it('refuses a policy over 16 KiB, as text or as an object', () => {
    const big = { Statement: [allow('*', ['library/' + 'x'.repeat(17_000)])] };
    refuses(big, /larger than 16 KiB/);
    refuses(JSON.stringify(big), /larger than 16 KiB/);
  });
});

describe('isAllowed', () => {
  it('allows what a statement allows, and nothing else (default deny)', () => {
    const p = policy(allow('vdna:GetLibrary', 'library/films'));
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/films'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/music'), false);
    assert.equal(isAllowed(p, 'vdna:DeleteLibrary', 'library/films'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/films/x'), false);
  });

  it('lets an explicit Deny win over any Allow, in any order', () => {
    const p = policy(allow('*', '*'), deny('vdna:DeleteLibrary', 'library/films'));
    const q = policy(deny('vdna:DeleteLibrary', 'library/films'), allow('*', '*'));
    for (const x of [p, q]) {
      assert.equal(isAllowed(x, 'vdna:DeleteLibrary', 'library/films'), false);
      assert.equal(isAllowed(x, 'vdna:DeleteLibrary', 'library/music'), true);
      assert.equal(isAllowed(x, 'vdna:GetLibrary', 'library/films'), true);
    }
  });

  it('matches wildcards in resources: * across slashes, ? exactly one character', () => {
    const p = policy(allow('vdna:GetLibrary', ['library/news-*', 'queue/q?', 'account/*/x*y']));
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/news-'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/news-2026/a'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/sport-1'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'queue/q1'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'queue/q'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'queue/q12'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'account/a/b/xzzy'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'account/a/b/xzzyz'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'account//xy'), true);
  });

  it('treats regex characters literally', () => {
    const p = policy(allow('*', ['library/a.b', 'library/(c)+', 'library/[d]*']));
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/a.b'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/aXb'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/(c)+'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/cc'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/[d]e'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/de'), false);
  });

  it('matches wildcards in actions, case-insensitively', () => {
    const p = policy(allow('VDNA:get*', 'library/*'), allow('vdna:?ancelJob', 'library/*'));
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/a'), true);
    assert.equal(isAllowed(p, 'vdna:GetJobResult', 'library/a'), true);
    assert.equal(isAllowed(p, 'vdna:CancelJob', 'library/a'), true);
    assert.equal(isAllowed(p, 'vdna:ListLibraries', 'library/a'), false);
    assert.equal(isAllowed(p, 'vdna:DeleteLibrary', 'library/a'), false);
  });

  it('compares resources case-sensitively', () => {
    const p = policy(allow('*', 'library/Films'));
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/Films'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/films'), false);
  });

  it('stays fast on a pattern that would make a backtracking regex explode', () => {
    const p = policy(allow('*', 'library/' + '*a'.repeat(30) + '*b'));
    const start = process.hrtime.bigint();
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/' + 'a'.repeat(29) + 'c'.repeat(2000) + 'b'), false);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/' + 'a'.repeat(30) + 'c'.repeat(2000) + 'b'), true);
    assert.ok(process.hrtime.bigint() - start < 1_000_000_000n);
  });

  it('allows everything with ADMIN_POLICY', () => {
    assert.equal(isAllowed(ADMIN_POLICY, 'vdna:CreateAccount', 'account/x'), true);
    assert.equal(isAllowed(ADMIN_POLICY, 'vdna:ReadMetrics', 'system/metrics'), true);
  });

  it('freezes parsed policies, so the compiled form cannot go stale', () => {
    const p = policy(allow('*', 'library/a'));
    assert.throws(() => p.Statement[0].Resource.push('library/b'));
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/b'), false);
  });

  it('evaluates a policy built by hand, not parsed', () => {
    const p = { Version: '1', Statement: [{ Effect: 'Allow' as const, Action: ['vdna:GetLibrary'], Resource: ['library/x'] }] };
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/x'), true);
    assert.equal(isAllowed(p, 'vdna:GetLibrary', 'library/y'), false);
  });
});

describe('allowsEvery', () => {
  it('is true for the admin policy', () => {
    assert.equal(allowsEvery(ADMIN_POLICY, 'vdna:ListLibraries', 'library'), true);
    assert.equal(allowsEvery(ADMIN_POLICY, 'vdna:ListQueues', 'queue'), true);
  });

  it('is false when only some resources are allowed', () => {
    assert.equal(allowsEvery(policy(allow('*', 'library/films')), 'vdna:ListLibraries', 'library'), false);
    assert.equal(allowsEvery(policy(allow('*', 'library/news-*')), 'vdna:ListLibraries', 'library'), false);
    assert.equal(allowsEvery(policy(allow('*', 'library/?*')), 'vdna:ListLibraries', 'library'), false);
    assert.equal(allowsEvery(policy(allow('*', 'library/*-public')), 'vdna:ListLibraries', 'library'), false);
    assert.equal(allowsEvery(policy(allow('*', 'library/?')), 'vdna:ListLibraries', 'library'), false);
    assert.equal(allowsEvery(policy(allow('*', 'library/')), 'vdna:ListLibraries', 'library'), false);
  });

  it('is false when a Deny may bite, even on a single resource', () => {
    assert.equal(allowsEvery(policy(allow('*', '*'), deny('*', 'library/secret')), 'vdna:ListLibraries', 'library'), false);
    assert.equal(allowsEvery(policy(allow('*', '*'), deny('vdna:ListLibraries', '*')), 'vdna:ListLibraries', 'library'), false);
  });

  it('ignores Denies on other actions or other kinds', () => {
    const p = policy(allow('*', '*'), deny('vdna:DeleteLibrary', 'library/secret'), deny('*', 'queue/secret'));
    assert.equal(allowsEvery(p, 'vdna:ListLibraries', 'library'), true);
    assert.equal(allowsEvery(p, 'vdna:ListQueues', 'queue'), false);
  });

  it('covers a kind with <kind>/*, for that kind and action only', () => {
    const p = policy(allow('vdna:List*', 'library/*'));
    assert.equal(allowsEvery(p, 'vdna:ListLibraries', 'library'), true);
    assert.equal(allowsEvery(p, 'vdna:ListQueues', 'queue'), false);
    assert.equal(allowsEvery(p, 'vdna:GetLibrary', 'library'), false);
    assert.equal(allowsEvery(policy(allow('*', 'library/**')), 'vdna:ListLibraries', 'library'), true);
  });
});

describe('cloud action names in policies', () => {
  it("an ice:/vod:/ci: action stands for the vdna actions its door's operation needs; unknown cloud names are refused", () => {
    const ram = parsePolicy({ Statement: [{ Effect: 'Allow', Action: ['ice:SubmitDNAJob', 'ice:QueryDNAJobList'], Resource: '*' }] });
    for (const action of ['vdna:SubmitJob', 'vdna:AddItems', 'vdna:ReadObject', 'vdna:GetJob', 'vdna:GetJobResult'] as const) {
      assert.equal(isAllowed(ram, action, action === 'vdna:ReadObject' ? 's3/b/k' : 'library/films'), true, action);
    }
    assert.equal(isAllowed(ram, 'vdna:CreateLibrary', 'library/films'), false);
    assert.equal(isAllowed(ram, 'vdna:DeleteLibrary', 'library/films'), false);
    const cam = parsePolicy({ Statement: [{ Effect: 'Allow', Action: 'ci:Describe*', Resource: 'library/films' }] });
    assert.equal(isAllowed(cam, 'vdna:ListJobs', 'library/films'), true);
    assert.equal(isAllowed(cam, 'vdna:SubmitJob', 'library/films'), false);
    const denied = parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'ice:DeleteDNA*', Resource: '*' }] });
    assert.equal(isAllowed(denied, 'vdna:DeleteLibrary', 'library/films'), false);
    assert.equal(isAllowed(denied, 'vdna:DeleteItems', 'library/films'), false);
    assert.equal(isAllowed(denied, 'vdna:CreateLibrary', 'library/films'), true);
    assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Allow', Action: 'ice:LaunchRocket', Resource: '*' }] }), /matches no vdna action/);
  });
});

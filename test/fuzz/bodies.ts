/**
 * Seeded generators of hostile request bodies for the fuzz suites: JSON documents with fields of the
 * wrong type, prototype-pollution keys, deep nesting, huge and odd strings, truncated or corrupted
 * text; XML with DTDs and entities; RPC parameters. Values are built as JSON *text*, so that keys such
 * as "__proto__" and lone surrogates reach the server exactly as a hostile client would send them.
 */
import type { Rand } from './mutate.js';

/** Deeply nested arrays or objects: what recursive parsers, validators and serialisers choke on. */
export const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** JSON texts of values no field expects. */
export const ODD_JSON: readonly string[] = [
  'null', 'true', 'false', '0', '-1', '1.5', '-0', '1e308', '1e999', '12345678901234567890',
  '""', '" "', JSON.stringify('x'.repeat(200_000)), '"a\\u0000b"', '"\\u0001\\u001f\\u007f\\n\\r"',
  '"\\u202eevil\\u200d\\ufeff"', '"\\ud800"', '"\\udfff\\ud800"', '"𝕍𝔻ℕ𝔸 ﷽ Z̤͔ͧ̑̓"', '"../../../../etc/passwd"', '"/etc/passwd"',
  '"file:///etc/passwd"', '"%00%2e%2e%2f"', '"<x>&amp;</x>"', '"${jndi:ldap://127.0.0.1/x}"', '"\'; DROP TABLE jobs; --"',
  '[]', '[1,"a",null]', '{}', '{"__proto__":{"polluted":true,"Admin":true}}', '{"constructor":{"prototype":{"polluted":true}}}',
  deepArray(5_000), deepObject(5_000),
];

/** Keys a body should not have, or that target Object.prototype. */
export const ODD_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'Library\u0000', '', 'k'.repeat(10_000), '\ud800'];

/** A document as [key, JSON text] pairs. */
type Fields = Array<[string, string]>;
const text = (fields: Fields) => `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

/** The leaf paths of a JSON document ("Input.Source"), for replacing one at a time. */
function leaves(doc: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(doc).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? [`${prefix}${k}`, ...leaves(v as Record<string, unknown>, `${prefix}${k}.`)] : [`${prefix}${k}`],
  );
}

/** `doc` as JSON text with the value at `path` replaced by the JSON text `value` (undefined: removed). */
function withValue(doc: Record<string, unknown>, path: string, value: string | undefined): string {
  const [head, ...rest] = path.split('.');
  const fields: Fields = [];
  for (const [k, v] of Object.entries(doc)) {
    if (k !== head) fields.push([k, JSON.stringify(v)]);
    else if (rest.length) fields.push([k, withValue(v as Record<string, unknown>, rest.join('.'), value)]);
    else if (value !== undefined) fields.push([k, value]);
  }
  return text(fields);
}

export interface JsonMutant {
  /** What was done, for the report of a failure. */
  label: string;
  body: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
}

/**
 * `count` mutants of a valid JSON document: a field of the wrong type or value, a field removed, an odd
 * key added, the text truncated, bytes flipped or replaced by invalid UTF-8, duplicate keys, or a
 * content type that does not say JSON.
 */
export function jsonMutants(doc: Record<string, unknown>, count: number, r: Rand): JsonMutant[] {
  const paths = leaves(doc);
  const valid = JSON.stringify(doc);
  const out: JsonMutant[] = [];
  // Every field once with every odd value would be thousands of requests: a seeded sample instead.
  for (let i = 0; i < count; i++) {
    const path = r.pick(paths);
    switch (r.int(8)) {
      case 0:
      case 1:
      case 2: {
        const value = r.pick(ODD_JSON);
        out.push({ label: `${path} = ${value.slice(0, 40)}`, body: withValue(doc, path, value) });
        break;
      }
      case 3:
        out.push({ label: `${path} removed`, body: withValue(doc, path, undefined) });
        break;
      case 4: {
        const key = r.pick(ODD_KEYS);
        out.push({ label: `extra key ${JSON.stringify(key.slice(0, 20))}`, body: `{${JSON.stringify(key)}:${r.pick(ODD_JSON)},${valid.slice(1)}` });
        break;
      }
      case 5: {
        const at = r.int(valid.length);
        out.push({ label: `truncated at ${at}`, body: valid.slice(0, at) });
        break;
      }
      case 6: {
        const bytes = Buffer.from(valid);
        for (let k = 0; k < 1 + r.int(4); k++) bytes[r.int(bytes.length)] = r.pick([0x00, 0x22, 0x7b, 0x5d, 0xff, 0xc3, 0x80, 0x5c]);
        out.push({ label: 'bytes replaced', body: new Uint8Array(bytes) });
        break;
      }
      default: {
        const [first] = paths;
        out.push({ label: `duplicate ${first}`, body: `{${JSON.stringify(first)}:${r.pick(ODD_JSON)},${valid.slice(1)}` });
      }
    }
    if (r.int(10) === 0) out[out.length - 1].contentType = r.pick(['text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'application/xml', '']);
  }
  return out;
}

/** Whole bodies that are not a JSON object at all. */
export const NOT_AN_OBJECT: readonly string[] = ['', ' ', 'null', '[]', '"films"', '123', 'true', '{', '{"a":', '}{', '\u0000', deepArray(200_000), deepObject(50_000)];

/** XML bodies that must be refused without expansion: DTDs, internal and external entities. */
export const ENTITY_ATTACKS: Record<string, string> = {
  billionLaughs: `<?xml version="1.0"?><!DOCTYPE Request [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]><Request><Tag>DNA</Tag><UserData>&h;</UserData></Request>`,
  externalFile: `<?xml version="1.0"?><!DOCTYPE Request [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request><Tag>DNA</Tag><UserData>&x;</UserData></Request>`,
  externalUrl: `<?xml version="1.0"?><!DOCTYPE Request [<!ENTITY x SYSTEM "http://127.0.0.1:1/x">]><Request><Tag>&x;</Tag></Request>`,
  parameterEntity: `<?xml version="1.0"?><!DOCTYPE Request [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><Request><Tag>DNA</Tag></Request>`,
  lowerCaseDoctype: `<?xml version="1.0"?><!doctype Request [<!entity x SYSTEM "file:///etc/passwd">]><Request><Tag>&x;</Tag></Request>`,
  afterComment: `<?xml version="1.0"?><!-- hi --><!DOCTYPE Request SYSTEM "file:///etc/passwd"><Request><Tag>DNA</Tag></Request>`,
  entityNoDtd: `<Request><Tag>&x;</Tag><UserData>&#0;&#x110000;&amp;&lt;</UserData></Request>`,
  utf16: `\ufeff<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Request [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request><Tag>&x;</Tag></Request>`,
};

/** XML text of a JS object: elements for keys, repeated elements for arrays, text escaped. */
export function toXml(value: unknown, name?: string): string {
  if (Array.isArray(value)) return value.map((v) => toXml(v, name)).join('');
  const inner =
    value !== null && typeof value === 'object'
      ? Object.entries(value).map(([k, v]) => toXml(v, k)).join('')
      : String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return name === undefined ? inner : `<${name}>${inner}</${name}>`;
}

/** Odd XML fragments for one element's content: wrong structure, odd text, markup that is not XML. */
export const ODD_XML: readonly string[] = [
  '', '<x>DNA</x>', '<x/><x/>', 'DNA</Tag><Tag>DNA', '<![CDATA[DNA]]>', '<![CDATA[<x>]]]]><![CDATA[>]]>', '<?pi x?>DNA', '\u0000',
  '&#0;', '&#xD800;', '&unknown;', '&amp;&lt;&gt;', 'x'.repeat(200_000), '<a>'.repeat(20_000) + '</a>'.repeat(20_000), '<a b="1" b="2">x</a>',
  '𝕍𝔻ℕ𝔸\u202e', 'toString', '__proto__', 'constructor', 'hasOwnProperty', '-1', '99999999999999999999', '1e999', ' DNA ',
];

/** `count` XML mutants of a valid document: an element's content replaced, the text truncated, bytes replaced. */
export function xmlMutants(doc: Record<string, unknown>, count: number, r: Rand): JsonMutant[] {
  const paths = leaves(doc);
  const valid = toXml(doc);
  const out: JsonMutant[] = [];
  for (let i = 0; i < count; i++) {
    switch (r.int(5)) {
      case 0:
      case 1:
      case 2: {
        const path = r.pick(paths);
        const marker = '\u0001MARK\u0001';
        const value = r.pick(ODD_XML);
        out.push({ label: `${path} = ${JSON.stringify(value.slice(0, 40))}`, body: toXml(setPath(doc, path, marker)).replace(marker, value) });
        break;
      }
      case 3: {
        const at = r.int(valid.length);
        out.push({ label: `truncated at ${at}`, body: valid.slice(0, at) });
        break;
      }
      default: {
        const bytes = Buffer.from(valid);
        for (let k = 0; k < 1 + r.int(4); k++) bytes[r.int(bytes.length)] = r.pick([0x00, 0x3c, 0x3e, 0x26, 0x2f, 0xff, 0xc3]);
        out.push({ label: 'bytes replaced', body: new Uint8Array(bytes) });
      }
    }
  }
  return out;
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  return { ...doc, [head]: rest.length ? setPath(doc[head] as Record<string, unknown>, rest.join('.'), value) : value };
}

/** Odd values for RPC parameters (form or query strings). */
export const ODD_PARAMS: readonly string[] = [
  '', ' ', '0', '-1', '1e999', 'NaN', '99999999999999999999', 'x'.repeat(100_000), 'a\u0000b', '\u202e\u200d', '𝕍𝔻ℕ𝔸',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'null', '[]', '{}', '{"Type":"Media","Media":123}',
  '{"Type":"OSS","Media":"oss://b/../../etc/passwd"}', '{"Type":"OSS","Media":"file:///etc/passwd"}', '{"SaveType":"constructor"}',
  '{"SaveType":"delete"}', '{"__proto__":{"SaveType":"forcesave"}}', deepArray(5_000), ',,,,', 'a,'.repeat(5_000), '%ZZ', '%E0%A4%A',
];

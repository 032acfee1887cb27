/**
 * Outgoing HTTP for user-given URLs (media downloads, callbacks), guarded against server-side request
 * forgery: only http(s), no credentials in the URL, and no loopback, private or reserved address unless
 * the operator allows its network or host name — checked on the address actually connected to (after
 * DNS), on every redirect. Link-local and cloud-metadata addresses are never allowed.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { VdnaError } from '../errors.js';

export interface UrlPolicy {
  /**
   * Private destinations the operator allows: CIDRs (10.1.0.0/16, ::1/128) and host names
   * (hooks.internal, *.corp.example). Public addresses need no allowing; none of this lifts NEVER.
   */
  allow: string[];
}

/** --allow-private-urls: loopback and the private networks (a receiver on this machine or the LAN). */
export const PRIVATE_NETWORKS = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '::1/128', 'fc00::/7'];

/** Never reachable: link-local (cloud metadata lives there), the clouds' metadata addresses, unspecified, multicast. */
const NEVER = new BlockList();
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
NEVER.addAddress('168.63.129.16', 'ipv4'); // Azure wire server
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata
NEVER.addSubnet('ff00::', 8, 'ipv6');
NEVER.addAddress('::', 'ipv6');

interface CompiledPolicy {
  nets: BlockList;
  hosts: string[];
}
const compiled = new WeakMap<UrlPolicy, CompiledPolicy>();

/** The policy's networks and host names, parsed once; a malformed entry is the operator's error. */
function compile(policy: UrlPolicy): CompiledPolicy {
  let c = compiled.get(policy);
  if (c) return c;
  c = { nets: new BlockList(), hosts: [] };
  for (const entry of policy.allow) {
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    const family = isIP(cidr ? cidr[1] : entry);
    if (family) c.nets.addSubnet(cidr ? cidr[1] : entry, cidr ? Number(cidr[2]) : family === 4 ? 32 : 128, family === 4 ? 'ipv4' : 'ipv6');
    else if (/^(\*\.)?[a-z0-9.-]+$/i.test(entry)) c.hosts.push(entry.toLowerCase());
    else throw new Error(`not a network or host name in the URL allow-list: "${entry}"`);
  }
  compiled.set(policy, c);
  return c;
}

const hostAllowed = (c: CompiledPolicy, host: string) =>
  c.hosts.some((h) => (h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h.toLowerCase()));

const v4 = (address: string) => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];

/** Whether a URL of `host` may reach `address`: never NEVER; a public address always; a private one if allowed. */
export function addressAllowed(address: string, host: string, policy: UrlPolicy): boolean {
  const ip = v4(address) ?? address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(ip) === 0 || NEVER.check(ip, family)) return false;
  if (!isPrivateAddress(ip)) return true;
  const c = compile(policy);
  return c.nets.check(ip, family) || hostAllowed(c, host.toLowerCase());
}

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address is on a loopback, private, link-local, multicast or reserved network. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Parses and checks a user-given URL; throws URL_NOT_ALLOWED with the reason. */
export function checkUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VdnaError('URL_NOT_ALLOWED', `not a valid URL: "${raw.slice(0, 200)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VdnaError('URL_NOT_ALLOWED', `only http and https URLs are allowed, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new VdnaError('URL_NOT_ALLOWED', 'credentials in a URL are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !addressAllowed(host, host, policy)) {
    throw new VdnaError('URL_NOT_ALLOWED', `${host} is a private, loopback, link-local or metadata address that this server may not reach`);
  }
  if ((host === 'localhost' || host.endsWith('.localhost')) && !addressAllowed('127.0.0.1', host, policy)) {
    throw new VdnaError('URL_NOT_ALLOWED', `${host} is this machine`);
  }
  return url;
}

/** A DNS lookup for http.request that refuses private addresses (the address connected to, not a guess). */
function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, options as { all: true }, (err, addresses: LookupAddress[] | string, family?: number) => {
      if (err) return callback(err);
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: family ?? 4 }];
      const bad = list.find((a) => !addressAllowed(a.address, hostname, policy));
      if (bad) return callback(new VdnaError('URL_NOT_ALLOWED', `${hostname} resolves to an address this server may not reach (${bad.address})`));
      if (Array.isArray(addresses)) callback(null, list);
      else callback(null, addresses, family);
    });
  };
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Whole request, connection to last byte. */
  timeoutMs: number;
  policy: UrlPolicy;
}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  stream: http.IncomingMessage;
}

function requestOnce(url: URL, opts: RequestOptions, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method: opts.method ?? 'GET',
      headers: { 'user-agent': 'vdna', ...opts.headers },
      lookup: guardedLookup(opts.policy) as never,
      signal,
    });
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, stream: res }));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends a request (following up to 5 redirects for GET); the caller reads or drains the body. */
async function request(raw: string, opts: RequestOptions, signal: AbortSignal): Promise<Response> {
  let url = checkUrl(raw, opts.policy);
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(url, opts, signal);
    const location = res.headers.location;
    if (opts.method !== 'POST' && res.status >= 300 && res.status < 400 && location) {
      res.stream.resume();
      if (hop >= 5) throw new VdnaError('DOWNLOAD_FAILED', 'too many redirects');
      url = checkUrl(new URL(location, url).toString(), opts.policy);
      continue;
    }
    return res;
  }
}

function describe(err: unknown, what: string, timeoutMs: number): VdnaError {
  if (err instanceof VdnaError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') {
    return new VdnaError('DOWNLOAD_FAILED', `${what}: no complete answer within ${timeoutMs / 1000} s`);
  }
  return new VdnaError('DOWNLOAD_FAILED', `${what}: ${e.code ?? e.message ?? String(err)}`);
}

/** Downloads a URL to `dest`, at most `maxBytes`; on any failure `dest` is removed. */
export async function download(raw: string, dest: string, opts: RequestOptions & { maxBytes: number; signal?: AbortSignal }): Promise<number> {
  const signal = AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  try {
    const res = await request(raw, opts, signal);
    if (res.status !== 200) {
      res.stream.resume();
      throw new VdnaError('DOWNLOAD_FAILED', `${raw}: HTTP ${res.status}`);
    }
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > opts.maxBytes) {
      res.stream.destroy();
      throw new VdnaError('PAYLOAD_TOO_LARGE', `${raw} is ${declared} bytes; the limit is ${opts.maxBytes}`);
    }
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(dest);
      res.stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > opts.maxBytes) {
          res.stream.destroy(new VdnaError('PAYLOAD_TOO_LARGE', `${raw} is over the limit of ${opts.maxBytes} bytes`));
        }
      });
      res.stream.on('error', reject);
      out.on('error', reject);
      out.on('finish', resolve);
      res.stream.pipe(out);
    });
    return bytes;
  } catch (err) {
    await unlink(dest).catch(() => undefined);
    throw describe(err, raw, opts.timeoutMs);
  }
}

/** POSTs a body; resolves with the HTTP status (the response body is read and dropped). */
export async function post(raw: string, opts: RequestOptions): Promise<number> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await request(raw, { ...opts, method: 'POST' }, signal);
    res.stream.resume();
    await new Promise((resolve, reject) => res.stream.on('end', resolve).on('error', reject));
    return res.status;
  } catch (err) {
    throw describe(err, raw, opts.timeoutMs);
  }
}

/**
 * Host and Origin checks for every door: a request must name this server by a known host (loopback
 * names, the public URL's host, the listening address, --allowed-host), so that a DNS-rebinding name
 * cannot reach it; and a browser request from another site (an Origin header with an unknown host)
 * is refused, so that a page elsewhere cannot drive the API with a user's cookies or network position.
 */
import type { FastifyInstance } from 'fastify';
import { VdnaError } from '../errors.js';
import { isLoopbackHost } from './auth.js';

/** The host name of a Host header value: without its port, and without the path some SDKs append. */
export function hostName(value: string): string {
  const host = value.split('/')[0].toLowerCase();
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

export function installHostCheck(app: FastifyInstance, allowed: string[]): void {
  const names = new Set(allowed.map((h) => hostName(h)).filter((h) => h && h !== '0.0.0.0' && h !== '::' && h !== '[::]'));
  const known = (host: string) => isLoopbackHost(host) || names.has(host);
  app.addHook('onRequest', async (req) => {
    const host = hostName(req.headers.host ?? '');
    if (!known(host)) {
      throw new VdnaError('HOST_NOT_ALLOWED', `this server does not answer to the host "${host.slice(0, 100)}"; its operator can add it with --allowed-host`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let originHost: string;
      try {
        originHost = hostName(new URL(origin).host);
      } catch {
        throw new VdnaError('HOST_NOT_ALLOWED', 'the Origin header is not a URL');
      }
      if (!known(originHost)) throw new VdnaError('HOST_NOT_ALLOWED', `requests from pages of ${originHost.slice(0, 100)} are refused`);
    } else if (origin === 'null') {
      throw new VdnaError('HOST_NOT_ALLOWED', 'requests from opaque origins are refused');
    }
  });
}

import { createHmac } from 'node:crypto';

/** vdna's event signature: t=<unix ms>,sha256=<hex HMAC-SHA256 of "<t>.<body>"> under the account's callback secret. */
export function sign(secret: string, body: string, time = Date.now()): string {
  const mac = createHmac('sha256', secret).update(`${time}.${body}`).digest('hex');
  return `t=${time},sha256=${mac}`;
}

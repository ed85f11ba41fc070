/**
 * The server side of SOCKS5 (RFC 1928/1929), SOCKS4/4a and HTTP CONNECT for the test
 * proxies of proxy-server.ts: written from the RFCs, independently of src/transport/proxy,
 * so a byte the client gets wrong is a failed spec, not an agreement between two copies.
 */

import * as net from 'node:net';
import type { ProxyContext } from './proxy-server';

/** Reads a socket as a byte queue: `read(n)`, `readUntil(delimiter)`. */
export class SocketReader {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;
  private counter: ((n: number) => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.counter?.(chunk.length);
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.wake?.();
  };

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.once('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  async read(n: number): Promise<Buffer> {
    await this.until(() => this.buffered.length >= n);
    return this.take(n);
  }

  async readUntil(delimiter: string): Promise<Buffer> {
    let at = -1;
    await this.until(() => (at = this.buffered.indexOf(delimiter)) !== -1);
    return this.take(at + delimiter.length);
  }

  /** From now on, report how many bytes arrive. */
  onBytes(counter: (n: number) => void): void {
    this.counter = counter;
  }

  /** Stop reading; returns what was read but not taken. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    return this.take(this.buffered.length);
  }

  private take(n: number): Buffer {
    const head = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return head;
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.ended) throw new Error('the client closed the connection');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

const GARBAGE = Buffer.from('\x48\x54\x54\x50 nonsense\r\n\r\n', 'latin1');

/** Handles `garbage`, `hang` and `close` after the first message; true when the handshake must stop. */
async function misbehave(context: ProxyContext): Promise<boolean> {
  switch (context.options.behaviour) {
    case 'garbage':
      context.refused();
      await context.reply(GARBAGE);
      return true;
    case 'hang':
      return true;
    case 'close':
      context.client.end();
      return true;
    default:
      return false;
  }
}

function addressType(host: string): 'ipv4' | 'ipv6' | 'domain' {
  const family = net.isIP(host);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : 'domain';
}

export async function serveSocks5(context: ProxyContext): Promise<void> {
  const { reader, options } = context;
  const [version, count] = await reader.read(2);
  if (version !== 5) throw new Error(`SOCKS5 greeting with version ${version}`);
  const methods = [...(await reader.read(count))];
  if (await misbehave(context)) return;
  let username: string | undefined;
  let password: string | undefined;
  if (options.auth !== undefined) {
    if (!methods.includes(2)) {
      context.refused();
      return context.reply(Buffer.of(5, 0xff));
    }
    await context.reply(Buffer.of(5, 2));
    const [subVersion, userLength] = await reader.read(2);
    if (subVersion !== 1) throw new Error(`RFC 1929 version ${subVersion}`);
    username = (await reader.read(userLength)).toString('utf8');
    const [passwordLength] = await reader.read(1);
    password = (await reader.read(passwordLength)).toString('utf8');
    if (username !== options.auth.username || password !== (options.auth.password ?? '')) {
      context.record({ host: '', port: 0, addressType: 'domain', methods, username, password });
      context.refused();
      return context.reply(Buffer.of(1, 1));
    }
    await context.reply(Buffer.of(1, 0));
  } else {
    await context.reply(Buffer.of(5, 0));
  }
  const [, command, , atyp] = await reader.read(4);
  if (command !== 1) throw new Error(`SOCKS5 command ${command}`);
  let host: string;
  if (atyp === 1) host = [...(await reader.read(4))].join('.');
  else if (atyp === 4) host = ipv6Text(await reader.read(16));
  else if (atyp === 3) host = (await reader.read((await reader.read(1))[0])).toString('utf8');
  else throw new Error(`SOCKS5 address type ${atyp}`);
  const port = (await reader.read(2)).readUInt16BE(0);
  context.record({ host, port, addressType: atyp === 3 ? 'domain' : addressType(host), methods, username, password });
  const refuse = (code: number): Promise<void> => context.reply(Buffer.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0));
  if (options.behaviour === 'refuse') {
    context.refused();
    return refuse(options.refuseWith ?? 5);
  }
  const ok = await context.relay(host, port, (bound) => {
    const reply = Buffer.alloc(10);
    reply.set([5, 0, 0, 1, ...bound.address.split('.').map(Number)]);
    reply.writeUInt16BE(bound.port, 8);
    return reply;
  });
  if (!ok) await refuse(5);
}

export async function serveSocks4(context: ProxyContext): Promise<void> {
  const { reader, options } = context;
  const head = await reader.read(8);
  if (head[0] !== 4 || head[1] !== 1) throw new Error(`SOCKS4 version ${head[0]} command ${head[1]}`);
  const port = head.readUInt16BE(2);
  const userid = (await reader.readUntil('\0')).subarray(0, -1).toString('utf8');
  const ip = [...head.subarray(4, 8)];
  const socks4a = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0;
  const host = socks4a ? (await reader.readUntil('\0')).subarray(0, -1).toString('utf8') : ip.join('.');
  context.record({ host, port, addressType: socks4a ? 'domain' : 'ipv4', username: userid });
  if (await misbehave(context)) return;
  const refuse = (code: number): Promise<void> => context.reply(Buffer.of(0, code, 0, 0, 0, 0, 0, 0));
  if (options.behaviour === 'refuse' || (options.auth !== undefined && options.auth.username !== userid)) {
    context.refused();
    return refuse(options.refuseWith ?? 91);
  }
  const ok = await context.relay(host, port, (bound) => {
    const reply = Buffer.of(0, 90, 0, 0, ...bound.address.split('.').map(Number));
    reply.writeUInt16BE(bound.port, 2);
    return reply;
  });
  if (!ok) await refuse(91);
}

const REASONS: Record<number, string> = { 403: 'Forbidden', 407: 'Proxy Authentication Required', 502: 'Bad Gateway' };

export async function serveHttpConnect(context: ProxyContext): Promise<void> {
  const { reader, options } = context;
  const head = (await reader.readUntil('\r\n\r\n')).toString('latin1');
  const [requestLine, ...headerLines] = head.split('\r\n');
  const match = /^CONNECT (\[[^\]]+\]|[^:]+):(\d+) HTTP\/1\.1$/.exec(requestLine);
  if (match === null) throw new Error(`HTTP request line ${JSON.stringify(requestLine)}`);
  const host = match[1].replace(/^\[|\]$/g, '');
  const port = Number(match[2]);
  const authorization = headerLines.find((line) => /^proxy-authorization:/i.test(line))?.replace(/^[^:]*:\s*/, '');
  let username: string | undefined;
  let password: string | undefined;
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  context.record({ host, port, addressType: addressType(host), username, password, head });
  if (await misbehave(context)) return;
  const respond = (status: number, extra = ''): Promise<void> =>
    context.reply(Buffer.from(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Refused'}\r\n${extra}Content-Length: 0\r\n\r\n`, 'latin1'));
  if (options.auth !== undefined && (username !== options.auth.username || password !== (options.auth.password ?? ''))) {
    context.refused();
    return respond(407, 'Proxy-Authenticate: Basic realm="rxmqtt-spec"\r\n');
  }
  if (options.behaviour === 'refuse') {
    context.refused();
    return respond(options.refuseWith ?? 403);
  }
  const ok = await context.relay(host, port, () => Buffer.from('HTTP/1.1 200 Connection established\r\nProxy-Agent: rxmqtt-spec\r\n\r\n', 'latin1'));
  if (!ok) await respond(502);
}

/** 16 bytes as a compressed IPv6 address (`::1`), as URL normalises it. */
function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

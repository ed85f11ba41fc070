/**
 * The proxy handshakes as byte layouts (request fixtures written from RFC 1928, RFC 1929,
 * the SOCKS4/4a protocol notes and RFC 9110 §9.3.6) and replies fed in every cut.
 */

import { formatAddress, ipFamily, ipv4Bytes, ipv6Bytes } from '../../src/transport/proxy/address';
import { ProxyError, type HandshakeStep, type ProxyHandshake } from '../../src/transport/proxy/handshake';
import { base64, headerEnd, HttpConnectHandshake, httpConnectRequest } from '../../src/transport/proxy/http-connect';
import { socks4Request, Socks4Handshake, Socks5Handshake, socks5AuthRequest, socks5ConnectRequest, socks5Greeting } from '../../src/transport/proxy/socks';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const SOCKS5_OK_IPV4 = bytes(5, 0, 0, 1, 10, 0, 0, 1, 0x04, 0x38);

/** Feeds `reply` to `handshake` in pieces of `size` bytes, until it is done; returns every step. */
function feed(handshake: ProxyHandshake, reply: Uint8Array, size: number): HandshakeStep[] {
  const steps: HandshakeStep[] = [];
  for (let i = 0; i < reply.length && steps.at(-1)?.type !== 'done'; i += size) steps.push(handshake.receive(reply.subarray(i, i + size)));
  return steps;
}

/** What follows a reply of `length` bytes in the piece that ends it, when `bytes` come in pieces of `size`. */
function tailOfPiece(bytes: Uint8Array, length: number, size: number): number[] {
  return [...bytes.subarray(length, Math.min(bytes.length, Math.ceil(length / size) * size))];
}

describe('IP literals', () => {
  it.each([
    ['127.0.0.1', [127, 0, 0, 1]],
    ['255.255.255.255', [255, 255, 255, 255]],
  ])('IPv4 %s', (text, expected) => expect([...ipv4Bytes(text)!]).toEqual(expected));

  it.each(['256.0.0.1', '1.2.3', '01.2.3.4', 'a.b.c.d', '1.2.3.4.5', ''])('not IPv4: %s', (text) => expect(ipv4Bytes(text)).toBeUndefined());

  it.each([
    ['::1', [...new Array(15).fill(0), 1]],
    ['::', new Array(16).fill(0)],
    ['2001:db8::8:800:200c:417a', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0, 0x20, 0x0c, 0x41, 0x7a]],
    ['::ffff:192.0.2.1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]],
    ['fe80::1%eth0', [0xfe, 0x80, ...new Array(13).fill(0), 1]],
    ['1:2:3:4:5:6:7:8', [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
  ])('IPv6 %s', (text, expected) => expect([...ipv6Bytes(text)!]).toEqual(expected));

  it.each(['1:2:3:4:5:6:7', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1.2.3.4::', 'localhost'])('not IPv6: %s', (text) =>
    expect(ipv6Bytes(text)).toBeUndefined(),
  );

  it('tells names from addresses, and formats reply addresses', () => {
    expect([ipFamily('10.1.2.3'), ipFamily('::1'), ipFamily('broker.example')]).toEqual([4, 6, 0]);
    expect(formatAddress(bytes(10, 0, 0, 1))).toBe('10.0.0.1');
    expect(formatAddress(ipv6Bytes('2001:db8::1')!)).toBe('2001:db8:0:0:0:0:0:1');
  });
});

describe('SOCKS5 (RFC 1928, RFC 1929)', () => {
  it('greets with no-auth, and also username/password when it has credentials', () => {
    expect([...socks5Greeting(false)]).toEqual([5, 1, 0]);
    expect([...socks5Greeting(true)]).toEqual([5, 2, 0, 2]);
  });

  it('encodes the RFC 1929 request: VER 1, ULEN, UNAME, PLEN, PASSWD (UTF-8)', () => {
    expect([...socks5AuthRequest({ username: 'ü', password: 'pw' })]).toEqual([1, 2, 0xc3, 0xbc, 2, ...ascii('pw')]);
    expect([...socks5AuthRequest({ username: 'u', password: '' })]).toEqual([1, 1, ...ascii('u'), 0]);
  });

  it.each([
    ['an IPv4 address as ATYP 1', '192.168.1.2', [1, 192, 168, 1, 2]],
    ['an IPv6 address as ATYP 4', '::1', [4, ...new Array(15).fill(0), 1]],
    ['a host name as ATYP 3, length-prefixed', 'broker.example', [3, 14, ...ascii('broker.example')]],
  ])('CONNECT carries %s, the port in network order', (_what, host, address) => {
    expect([...socks5ConnectRequest({ host, port: 8883 })]).toEqual([5, 1, 0, ...address, 0x22, 0xb3]);
  });

  it('refuses a host name longer than 255 bytes', () => {
    expect(() => socks5ConnectRequest({ host: 'a'.repeat(256), port: 1 })).toThrow(ProxyError);
  });

  it.each([1, 2, 3, 100])('runs no-auth → CONNECT → reply, with replies cut into %i-byte pieces', (size) => {
    const handshake = new Socks5Handshake({ host: 'broker', port: 1883 });
    expect([...handshake.start()]).toEqual([5, 1, 0]);
    const method = feed(handshake, bytes(5, 0), size);
    expect(method.at(-1)).toEqual({ type: 'send', bytes: socks5ConnectRequest({ host: 'broker', port: 1883 }) });
    const reply = Uint8Array.from([...SOCKS5_OK_IPV4, 0x20, 0x02, 0, 0]);
    const steps = feed(handshake, reply, size);
    expect(steps.slice(0, -1).every((s) => s.type === 'more')).toBe(true);
    const done = steps.at(-1)!;
    expect(done.type).toBe('done');
    // Bytes after the reply belong to the broker (a CONNACK here): those of the piece that ended it.
    expect([...(done as { rest: Uint8Array }).rest]).toEqual(tailOfPiece(reply, 10, size));
  });

  it('hands over exactly the bytes after a reply with a domain or IPv6 bound address', () => {
    for (const reply of [
      bytes(5, 0, 0, 3, 4, ...ascii('host'), 0, 80, 0xaa),
      bytes(5, 0, 0, 4, ...new Array(16).fill(1), 0, 80, 0xaa),
    ]) {
      const whole = new Socks5Handshake({ host: '1.2.3.4', port: 1 });
      whole.receive(bytes(5, 0));
      expect(whole.receive(reply)).toEqual({ type: 'done', rest: bytes(0xaa) });
      const inBytes = new Socks5Handshake({ host: '1.2.3.4', port: 1 });
      inBytes.receive(bytes(5, 0));
      const steps = feed(inBytes, reply, 1);
      expect(steps.length).toBe(reply.length - 1);
      expect(steps.at(-1)).toEqual({ type: 'done', rest: bytes() });
    }
  });

  it('authenticates with username/password when the proxy chooses it', () => {
    const handshake = new Socks5Handshake({ host: '10.0.0.2', port: 1883 }, { username: 'user', password: 'secret' });
    expect([...handshake.start()]).toEqual([5, 2, 0, 2]);
    expect(handshake.receive(bytes(5, 2))).toEqual({ type: 'send', bytes: socks5AuthRequest({ username: 'user', password: 'secret' }) });
    expect(handshake.receive(bytes(1))).toEqual({ type: 'more' });
    expect(handshake.receive(bytes(0))).toEqual({ type: 'send', bytes: bytes(5, 1, 0, 1, 10, 0, 0, 2, 0x07, 0x5b) });
    expect(handshake.receive(SOCKS5_OK_IPV4)).toEqual({ type: 'done', rest: bytes() });
  });

  it.each([
    ['no acceptable method', [5, 0xff], /accepts none of our authentication methods/],
    ['a method we did not offer', [5, 2], /method 0x02, which we did not offer/],
    ['not SOCKS5 at all', ascii('HTTP/1.1 400'), /not a SOCKS5 reply \(version 0x48\)/],
    ['extra bytes after the method', [5, 0, 9], /unexpected bytes after its method selection/],
  ])('fails on %s', (_what, reply, message) => {
    const handshake = new Socks5Handshake({ host: 'broker', port: 1883 });
    expect(() => handshake.receive(Uint8Array.from(reply))).toThrow(message);
  });

  it('fails when the credentials are refused, naming the status', () => {
    const handshake = new Socks5Handshake({ host: 'broker', port: 1883 }, { username: 'u', password: 'p' });
    handshake.receive(bytes(5, 2));
    expect(() => handshake.receive(bytes(1, 1))).toThrow('the proxy refused the username and password (RFC 1929 status 0x01)');
  });

  it.each([
    [1, 'general SOCKS server failure'],
    [2, 'connection not allowed by ruleset'],
    [3, 'network unreachable'],
    [4, 'host unreachable'],
    [5, 'connection refused by the destination host'],
    [6, 'TTL expired'],
    [7, 'command not supported'],
    [8, 'address type not supported'],
    [9, 'unassigned reply code'],
  ])('turns reply code %i into "%s", as soon as the code arrives', (code, text) => {
    const handshake = new Socks5Handshake({ host: 'broker', port: 1883 });
    handshake.receive(bytes(5, 0));
    expect(handshake.receive(bytes(5))).toEqual({ type: 'more' });
    expect(() => handshake.receive(bytes(code))).toThrow(`${text} (SOCKS5 reply 0x0${code})`);
  });

  it('fails on a reply with an unknown address type', () => {
    const handshake = new Socks5Handshake({ host: 'broker', port: 1883 });
    handshake.receive(bytes(5, 0));
    expect(() => handshake.receive(bytes(5, 0, 0, 7, 0))).toThrow('unknown address type 0x07');
  });
});

describe('SOCKS4 and SOCKS4a', () => {
  it('SOCKS4: VN 4, CD 1, port, IPv4 address, userid, NUL', () => {
    expect([...socks4Request({ host: '10.1.2.3', port: 1883 }, 'fred')]).toEqual([4, 1, 0x07, 0x5b, 10, 1, 2, 3, ...ascii('fred'), 0]);
  });

  it('SOCKS4a: address 0.0.0.1, then the host name and NUL after the userid', () => {
    expect([...socks4Request({ host: 'broker', port: 80 })]).toEqual([4, 1, 0, 80, 0, 0, 0, 1, 0, ...ascii('broker'), 0]);
  });

  it('cannot carry IPv6', () => {
    expect(() => socks4Request({ host: '::1', port: 1 })).toThrow(ProxyError);
  });

  it.each([1, 3, 8])('is done after the 8-byte reply, cut into %i-byte pieces, with the rest for the broker', (size) => {
    const handshake = new Socks4Handshake({ host: '10.1.2.3', port: 1883 });
    const steps = feed(handshake, bytes(0, 90, 0, 0, 0, 0, 0, 0), size);
    expect(steps.at(-1)).toEqual({ type: 'done', rest: bytes() });
    const more = new Socks4Handshake({ host: 'x', port: 1 });
    expect(more.receive(bytes(0, 90, 0, 0, 0, 0, 0, 0, 0x20, 2))).toEqual({ type: 'done', rest: bytes(0x20, 2) });
  });

  it.each([
    [91, 'request rejected or failed'],
    [92, 'cannot reach identd'],
    [93, 'identd reports a different userid'],
  ])('turns reply %i into "%s"', (code, text) => {
    expect(() => new Socks4Handshake({ host: 'x', port: 1 }).receive(bytes(0, code))).toThrow(text);
  });

  it('fails on a reply that is not SOCKS4', () => {
    expect(() => new Socks4Handshake({ host: 'x', port: 1 }).receive(bytes(5, 0))).toThrow('not a SOCKS4 reply (version 0x05)');
  });
});

describe('HTTP CONNECT', () => {
  const text = (b: Uint8Array): string => new TextDecoder().decode(b);

  it('sends CONNECT host:port with a Host header, IPv6 in brackets', () => {
    expect(text(httpConnectRequest({ host: 'broker', port: 1883 }))).toBe('CONNECT broker:1883 HTTP/1.1\r\nHost: broker:1883\r\n\r\n');
    expect(text(httpConnectRequest({ host: '::1', port: 8883 }))).toBe('CONNECT [::1]:8883 HTTP/1.1\r\nHost: [::1]:8883\r\n\r\n');
  });

  it('adds Proxy-Authorization: Basic base64(user:password) in UTF-8 (RFC 7617)', () => {
    expect(text(httpConnectRequest({ host: 'b', port: 1 }, { username: 'Aladdin', password: 'open sesame' }))).toBe(
      'CONNECT b:1 HTTP/1.1\r\nHost: b:1\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n',
    );
    expect(base64(new TextEncoder().encode('test:123£'))).toBe('dGVzdDoxMjPCow==');
    expect([base64(bytes()), base64(bytes(0xff)), base64(bytes(0xff, 0xfe))]).toEqual(['', '/w==', '//4=']);
  });

  it('finds the end of the header section with CRLF or bare LF', () => {
    expect(headerEnd(Uint8Array.from(ascii('HTTP/1.1 200 OK\r\n\r\nxy')))).toBe(19);
    expect(headerEnd(Uint8Array.from(ascii('HTTP/1.1 200 OK\n\nxy')))).toBe(17);
    expect(headerEnd(Uint8Array.from(ascii('HTTP/1.1 200 OK\r\nA: b\r\n')))).toBeUndefined();
  });

  it.each([1, 2, 5, 1000])('reads the response to the blank line in %i-byte pieces; what follows is the broker\'s', (size) => {
    const handshake = new HttpConnectHandshake({ host: 'b', port: 1 });
    const response = Uint8Array.from([...ascii('HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n'), 0x20, 0x02, 0, 0]);
    const steps = feed(handshake, response, size);
    const done = steps.findIndex((s) => s.type === 'done');
    expect(steps.slice(0, done).every((s) => s.type === 'more')).toBe(true);
    expect([...(steps[done] as { rest: Uint8Array }).rest]).toEqual(tailOfPiece(response, response.length - 4, size));
  });

  it.each([
    ['407 without credentials', 'HTTP/1.1 407 Proxy Authentication Required\r\n\r\n', false, 'the proxy requires authentication (HTTP 407 Proxy Authentication Required)'],
    ['407 with credentials', 'HTTP/1.1 407 Proxy Authentication Required\r\n\r\n', true, 'the proxy refused the credentials (HTTP 407 Proxy Authentication Required)'],
    ['403', 'HTTP/1.0 403 Forbidden\r\n\r\n', false, 'the proxy refused the tunnel (HTTP 403 Forbidden)'],
    ['502', 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n', false, 'the proxy refused the tunnel (HTTP 502 Bad Gateway)'],
    ['a 1xx', 'HTTP/1.1 100 Continue\r\n\r\n', false, 'the proxy refused the tunnel (HTTP 100 Continue)'],
    ['not HTTP', '\x05\x00garbage\r\n\r\n', false, 'not an HTTP response'],
  ])('fails on %s, naming the status', (_what, response, withCredentials, message) => {
    const handshake = new HttpConnectHandshake({ host: 'b', port: 1 }, withCredentials ? { username: 'u', password: 'p' } : undefined);
    expect(() => handshake.receive(Uint8Array.from(ascii(response)))).toThrow(message);
  });

  it('gives up on a header section longer than 16 KiB', () => {
    const handshake = new HttpConnectHandshake({ host: 'b', port: 1 });
    handshake.receive(Uint8Array.from(ascii('HTTP/1.1 200 OK\r\n')));
    expect(() => handshake.receive(new Uint8Array(17 * 1024).fill(0x41))).toThrow('longer than 16384 bytes');
  });
});

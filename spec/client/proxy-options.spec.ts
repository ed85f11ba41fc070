// The proxy option is validated once, in the constructor: bad values throw invalid-argument
// and nothing is dialled; good ones reach the transport with every default filled in.
import { NEVER } from 'rxjs';
import { MqttClient, MqttError, type MqttClientOptions, type ProxyOptions } from '../../src';
import { seenByTransport } from './helpers';

describe('the proxy option', () => {
  const refused: Array<[string, MqttClientOptions, RegExp]> = [
    ['a number', { proxy: 1080 as never }, /proxy must be a URL .* or an object/],
    ['null', { proxy: null as never }, /proxy must be a URL/],
    ['an unknown type', { proxy: { type: 'socks6' as never, host: 'p' } }, /proxy\.type must be 'socks5', 'socks4' or 'http', got "socks6"/],
    ['no host', { proxy: { type: 'socks5' } as never }, /proxy\.host must be a non-empty host name/],
    ['an empty host', { proxy: { type: 'socks5', host: '' } }, /proxy\.host must be a non-empty/],
    ['a host with a space', { proxy: { type: 'http', host: 'a b' } }, /proxy\.host "a b" is not a valid host name/],
    ['port 0', { proxy: { type: 'socks5', host: 'p', port: 0 } }, /proxy\.port must be an integer from 1 to 65535, got 0/],
    ['port 65536', { proxy: { type: 'socks5', host: 'p', port: 65536 } }, /proxy\.port/],
    ['a fractional port', { proxy: { type: 'socks5', host: 'p', port: 1080.5 } }, /proxy\.port/],
    ["remoteDns: 'yes'", { proxy: { type: 'socks5', host: 'p', remoteDns: 'yes' as never } }, /proxy\.remoteDns must be true or false/],
    ['a password without a username', { proxy: { type: 'socks5', host: 'p', password: 'x' } }, /proxy\.password needs a proxy\.username/],
    ['a non-string username', { proxy: { type: 'http', host: 'p', username: 1 as never } }, /proxy\.username must be a string/],
    ['a SOCKS4 password', { proxy: { type: 'socks4', host: 'p', username: 'u', password: 'x' } }, /SOCKS4 has no password/],
    ['an empty SOCKS5 username (RFC 1929: 1 to 255 bytes)', { proxy: { type: 'socks5', host: 'p', username: '' } }, /1 to 255 bytes .* got 0/],
    ['a SOCKS5 username of 256 bytes', { proxy: { type: 'socks5', host: 'p', username: 'é'.repeat(128) } }, /1 to 255 bytes .* got 256/],
    ['a SOCKS5 password of 256 bytes', { proxy: { type: 'socks5', host: 'p', username: 'u', password: 'x'.repeat(256) } }, /at most 255 bytes/],
    ['an HTTP username with a colon (RFC 7617)', { proxy: { type: 'http', host: 'p', username: 'a:b', password: 'c' } }, /must not contain ":"/],
    ['CR LF in an HTTP password', { proxy: { type: 'http', host: 'p', username: 'a', password: 'x\r\nX-Injected: 1' } }, /proxy\.password must not contain control characters/],
    ['NUL in a SOCKS4 userid', { proxy: { type: 'socks4', host: 'p', username: 'a\0b' } }, /control characters/],
    ['SOCKS4 to an IPv6 broker', { url: 'mqtt://[::1]:1883', proxy: { type: 'socks4', host: 'p' } }, /SOCKS4 proxy cannot reach the IPv6 address ::1/],
    ['a broker name longer than SOCKS5 carries', { host: `${'a'.repeat(63)}.`.repeat(4) + 'com', proxy: { type: 'socks5', host: 'p' } }, /longer than the 255 bytes/],
    ['a proxy URL without scheme', { proxy: 'proxy.corp:1080' }, /Invalid proxy URL "proxy\.corp:1080": expected scheme:\/\//],
    ['an https:// proxy URL', { proxy: 'https://proxy.corp' }, /https:\/\/\) is not supported/],
    ['an unknown proxy URL scheme', { proxy: 'socks6://p' }, /unknown scheme "socks6"/],
    ['a proxy URL with a path', { proxy: 'http://p:8080/path' }, /expected scheme:\/\//],
    ['a proxy URL with a bad port', { proxy: 'socks5://p:99999' }, /proxy\.port must be an integer from 1 to 65535, got 99999/],
    ['a proxy URL with a non-numeric port', { proxy: 'socks5://p:x' }, /port "x" is not a number/],
    ['a proxy URL with bad percent-encoding', { proxy: 'socks5://a%ZZ:b@p' }, /bad percent-encoding/],
  ];

  it.each(refused)('refuses %s with invalid-argument, before anything is dialled', (_name, options, message) => {
    let dialled = 0;
    let error: unknown;
    try {
      new MqttClient({ ...options, transport: () => (dialled++, NEVER) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(message) });
    expect(dialled).toBe(0);
  });

  const seen = seenByTransport;

  it.each<[string, MqttClientOptions['proxy'], ProxyOptions]>([
    ['SOCKS defaults: port 1080, remote DNS', { type: 'socks5', host: 'proxy' }, { type: 'socks5', host: 'proxy', port: 1080, remoteDns: true }],
    ['HTTP default: port 8080', { type: 'http', host: '10.0.0.1' }, { type: 'http', host: '10.0.0.1', port: 8080, remoteDns: true }],
    ['an IPv6 proxy host in brackets', { type: 'socks4', host: '[::1]', port: 9050 }, { type: 'socks4', host: '::1', port: 9050, remoteDns: true }],
    ['credentials and local DNS', { type: 'socks5', host: 'p', username: 'u', password: '', remoteDns: false }, { type: 'socks5', host: 'p', port: 1080, remoteDns: false, username: 'u', password: '' }],
    ['socks5:// with percent-encoded credentials', 'socks5://us%40er:p%3Ass@proxy.corp:1081', { type: 'socks5', host: 'proxy.corp', port: 1081, remoteDns: true, username: 'us@er', password: 'p:ss' }],
    ['socks5h:// (remote DNS)', 'socks5h://proxy', { type: 'socks5', host: 'proxy', port: 1080, remoteDns: true }],
    ['socks4:// (local DNS) with a userid', 'SOCKS4://fred@[::1]', { type: 'socks4', host: '::1', port: 1080, remoteDns: false, username: 'fred' }],
    ['socks4a:// (remote DNS)', 'socks4a://proxy:1090/', { type: 'socks4', host: 'proxy', port: 1090, remoteDns: true }],
    ['http:// with Basic credentials', 'http://ann:secret@proxy.corp:3128', { type: 'http', host: 'proxy.corp', port: 3128, remoteDns: true, username: 'ann', password: 'secret' }],
  ])('resolves %s', (_name, proxy, expected) => {
    expect(seen({ url: 'mqtt://broker.test', proxy }).proxy).toEqual(expected);
  });

  it.each(['mqtts://broker.test', 'ws://broker.test', 'wss://broker.test'])('is accepted with %s', (url) => {
    expect(seen({ url, proxy: 'socks5://p' }).proxy).toMatchObject({ type: 'socks5' });
  });

  it('is absent when not given', () => {
    expect(seen({ url: 'mqtt://broker.test' }).proxy).toBeUndefined();
  });
});

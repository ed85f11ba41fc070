import { encodePacket, FrameDecoder } from '../../src/codec';
import type { Packet } from '../../src/codec';
import { MalformedPacketError } from '../../src/errors';
import { h } from './fixtures/helpers';

const STREAM_PACKETS: Packet[] = [
  { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 10 } },
  { type: 'publish', topic: 'a/b', payload: new Uint8Array(200).fill(7), qos: 1, retain: false, dup: false, packetId: 1 },
  { type: 'pingresp' },
  { type: 'puback', packetId: 2, reasonCode: 0 },
  { type: 'publish', topic: 't', payload: new Uint8Array([1, 2, 3]), qos: 0, retain: true, dup: false },
  { type: 'disconnect', reasonCode: 0x8e },
];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const STREAM = concat(STREAM_PACKETS.map((p) => encodePacket(p, 5)));

function feed(chunks: Uint8Array[]): Packet[] {
  const d = new FrameDecoder({ protocolVersion: 5 });
  const out: Packet[] = [];
  for (const c of chunks) {
    const r = d.push(c);
    expect(r.error).toBeUndefined();
    out.push(...r.packets);
  }
  expect(d.idle).toBe(true);
  return out;
}

describe('FrameDecoder splitting', () => {
  it('decodes a stream pushed whole', () => {
    expect(feed([STREAM.slice()])).toStrictEqual(STREAM_PACKETS);
  });

  it('decodes the stream split in two at every byte', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(feed([STREAM.slice(0, i), STREAM.slice(i)])).toStrictEqual(STREAM_PACKETS);
    }
  });

  it('decodes the stream split in three at every pair of points around the long remaining length', () => {
    // The 200-byte PUBLISH has a 2-byte remaining length at offsets connackLen+1..+2.
    const at = encodePacket(STREAM_PACKETS[0], 5).length;
    for (let i = at - 1; i <= at + 4; i++) {
      for (let j = i; j <= STREAM.length; j += 7) {
        expect(feed([STREAM.slice(0, i), STREAM.slice(i, j), STREAM.slice(j)])).toStrictEqual(STREAM_PACKETS);
      }
    }
  });

  it('decodes the stream one byte at a time', () => {
    expect(feed(Array.from(STREAM, (b) => new Uint8Array([b])))).toStrictEqual(STREAM_PACKETS);
  });

  it('reports "need more data" as an empty packet list', () => {
    const d = new FrameDecoder({ protocolVersion: 5 });
    expect(d.push(h('30 05 00 01'))).toStrictEqual({ packets: [] });
    expect(d.idle).toBe(false);
  });

  it('decodes a whole packet in place, without copying the payload', () => {
    const chunk = encodePacket({ type: 'publish', topic: 'a', payload: new Uint8Array(64), qos: 0, retain: false, dup: false }, 4);
    const [p] = new FrameDecoder({ protocolVersion: 4 }).push(chunk).packets;
    expect(p.type === 'publish' && p.payload.buffer).toBe(chunk.buffer);
  });
});

describe('FrameDecoder reassembly of large packets', () => {
  // Past 64 KiB the reassembly buffer starts small and doubles: check the bytes survive
  // every growth, whatever the chunk sizes, and that the payload is the packet's own buffer.
  const payload = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) & 0xff);
  const packet: Packet = { type: 'publish', topic: 'big', payload, qos: 0, retain: false, dup: false };
  const frame = encodePacket(packet, 5);

  it.each([1000, 65_536, 100_000, 299_000])('decodes a 300 KB PUBLISH pushed in %d-byte chunks', (size) => {
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < frame.length; at += size) chunks.push(frame.slice(at, at + size));
    const [got] = feed(chunks);
    expect(got).toEqual(packet);
    // A view into a buffer of exactly the packet, not into a chunk or a larger buffer.
    const p = (got as typeof packet).payload;
    expect(p.buffer.byteLength).toBe(frame.length);
    expect(p.byteOffset + p.length).toBe(frame.length);
  });

  it('keeps earlier decoded packets intact while reassembling later ones', () => {
    const first = encodePacket({ type: 'publish', topic: 'a', payload: new Uint8Array(70_000).fill(1), qos: 0, retain: false, dup: false }, 5);
    const stream = concat([first, frame]);
    const out: Packet[] = [];
    const d = new FrameDecoder({ protocolVersion: 5 });
    for (let at = 0; at < stream.length; at += 4096) out.push(...d.push(stream.slice(at, at + 4096)).packets);
    expect(out).toHaveLength(2);
    expect((out[0] as { payload: Uint8Array }).payload.every((b) => b === 1)).toBe(true);
    expect(out[1]).toEqual(packet);
  });
});

describe('FrameDecoder limits and errors', () => {
  it('rejects a packet over maximumPacketSize from its fixed header, before any body byte', () => {
    const d = new FrameDecoder({ protocolVersion: 4, maximumPacketSize: 1000 });
    // PUBLISH with remaining length 16,384: only the 4 header bytes are pushed.
    const r = d.push(h('30 80 80 01'));
    expect(r.error).toBeInstanceOf(MalformedPacketError);
    expect(r.error?.rule).toBe('maximum packet size');
  });

  it('rejects an oversized packet whose header arrives split', () => {
    const d = new FrameDecoder({ protocolVersion: 4, maximumPacketSize: 1000 });
    expect(d.push(h('30 80')).error).toBeUndefined();
    expect(d.push(h('80')).error).toBeUndefined();
    expect(d.push(h('01')).error?.rule).toBe('maximum packet size');
  });

  it('accepts a packet exactly at maximumPacketSize', () => {
    const bytes = encodePacket({ type: 'publish', topic: 'a', payload: new Uint8Array(95), qos: 0, retain: false, dup: false }, 4);
    expect(bytes.length).toBe(100);
    const r = new FrameDecoder({ protocolVersion: 4, maximumPacketSize: 100 }).push(bytes);
    expect(r.error).toBeUndefined();
    expect(r.packets).toHaveLength(1);
  });

  it('rejects a 5-byte remaining length at its fourth byte, before a fifth arrives', () => {
    const d = new FrameDecoder({ protocolVersion: 4 });
    for (const b of h('30 ff ff ff')) expect(d.push(new Uint8Array([b])).error).toBeUndefined();
    const r = d.push(h('ff'));
    expect(r.error?.rule).toBe('MQTT-1.5.5');
  });

  it('rejects a 5-byte remaining length in one chunk', () => {
    expect(new FrameDecoder({ protocolVersion: 5 }).push(h('30 ff ff ff ff 01')).error?.rule).toBe('MQTT-1.5.5');
  });

  it('rejects a bad first byte before its remaining length arrives', () => {
    expect(new FrameDecoder({ protocolVersion: 4 }).push(h('60')).error?.rule).toBe('MQTT-2.1.3-1');
  });

  it('returns packets decoded before the error, then stays failed with the same error', () => {
    const d = new FrameDecoder({ protocolVersion: 4 });
    const first = d.push(h('d0 00 40 02 00 01 00 00 d0 00'));
    expect(first.packets).toStrictEqual([{ type: 'pingresp' }, { type: 'puback', packetId: 1, reasonCode: 0 }]);
    expect(first.error?.rule).toBe('MQTT-2.1.2');
    const again = d.push(h('d0 00'));
    expect(again.packets).toStrictEqual([]);
    expect(again.error).toBe(first.error);
  });

  it('reports a malformed body completed across chunks', () => {
    const d = new FrameDecoder({ protocolVersion: 4 });
    expect(d.push(h('30 03 00')).error).toBeUndefined();
    expect(d.push(h('01 23')).error?.rule).toBe('MQTT-3.3.2-2');
  });

  it('decodes by the current protocolVersion, which may change between pushes', () => {
    const d = new FrameDecoder({ protocolVersion: 5 });
    expect(d.push(h('f0 00')).packets).toStrictEqual([{ type: 'auth', reasonCode: 0 }]);
    d.protocolVersion = 4;
    expect(d.push(h('f0 00')).error?.rule).toBe('MQTT-2.1.2');
  });
});

describe('PUBLISH topic names', () => {
  it('decodes each topic from its own bytes when topics repeat, alternate or share a length', () => {
    const topics = ['a/b', 'a/b', 'a/c', 'a/b', 'b/b', 'x', 'a/b', 'é/b', 'é/b', 'a/b'];
    const d = new FrameDecoder({ protocolVersion: 4 });
    const packets = topics.map((topic) => encodePacket({ type: 'publish', topic, payload: new Uint8Array(0), qos: 0, retain: false, dup: false }, 4));
    const got = d.push(concat(packets)).packets.map((p) => (p.type === 'publish' ? p.topic : p.type));
    expect(got).toEqual(topics);
  });

  it('still refuses a malformed topic after the same bytes but one were accepted', () => {
    const ok = encodePacket({ type: 'publish', topic: 'ab', payload: new Uint8Array(0), qos: 0, retain: false, dup: false }, 4);
    const d = new FrameDecoder({ protocolVersion: 4 });
    expect(d.push(ok).packets).toHaveLength(1);
    const bad = ok.slice();
    bad[5] = 0; // 'a\0': U+0000 [MQTT-1.5.4-2]
    const r = new FrameDecoder({ protocolVersion: 4 }).push(bad);
    expect(r.error).toBeInstanceOf(MalformedPacketError);
  });
});

/**
 * A small authoritative DNS server for the specs: UDP on 127.0.0.1 and a free port,
 * answering from a table the spec sets (and may change between queries).
 *
 * Per name (case-insensitive, no final dot): SRV records, A records, or a behaviour —
 * `nxdomain` (RCODE 3), `empty` (NOERROR, no answer: Node's ENODATA), `servfail`
 * (RCODE 2), `silent` (no reply at all: the client's timeout). A name not in the table is
 * NXDOMAIN; a known name asked for another type gets an empty answer. Every query is
 * recorded (`queries`), so a spec can tell how often and in which order names were asked.
 *
 * Wire format: RFC 1035 §4 (header, question echoed back, answers pointing at the
 * question's name with a compression pointer), SRV RDATA per RFC 2782.
 */

import * as dgram from 'node:dgram';
import { isIPv4 } from 'node:net';

export interface SrvAnswer {
  priority: number;
  weight: number;
  port: number;
  /** Target host; `.` is the root ("service not available"). */
  target: string;
}

export type DnsEntry = { srv: SrvAnswer[] } | { a: string[] } | 'nxdomain' | 'empty' | 'servfail' | 'silent';

export interface DnsServer {
  port: number;
  /** `127.0.0.1:port`, for `dns.setServers`. */
  address: string;
  set(name: string, entry: DnsEntry): void;
  /** Every query so far: the name (lower case) and type (`SRV`, `A`, `AAAA`, or the number). */
  queries: Array<{ name: string; type: string }>;
  close(): Promise<void>;
}

const TYPES: Record<number, string> = { 1: 'A', 28: 'AAAA', 33: 'SRV' };
const TYPE_A = 1;
const TYPE_SRV = 33;

export async function startDnsServer(): Promise<DnsServer> {
  const table = new Map<string, DnsEntry>();
  const queries: DnsServer['queries'] = [];
  const socket = dgram.createSocket('udp4');

  socket.on('message', (message, remote) => {
    const query = parseQuery(message);
    if (query === undefined) return;
    queries.push({ name: query.name, type: TYPES[query.type] ?? String(query.type) });
    const entry = table.get(query.name) ?? 'nxdomain';
    if (entry === 'silent') return;
    const reply = answer(message, query, entry);
    socket.send(reply, remote.port, remote.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { port } = socket.address();
  let closing: Promise<void> | undefined;
  return {
    port,
    address: `127.0.0.1:${port}`,
    set: (name, entry) => table.set(normalise(name), entry),
    queries,
    close: () => (closing ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  };
}

const normalise = (name: string): string => name.toLowerCase().replace(/\.$/, '');

interface Query {
  id: number;
  flags: number;
  name: string;
  type: number;
  /** Where the question ends (after QTYPE and QCLASS). */
  end: number;
}

function parseQuery(message: Buffer): Query | undefined {
  if (message.length < 12 || message.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < message.length && message[offset] !== 0) {
    const length = message[offset];
    labels.push(message.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 5 > message.length) return undefined;
  return { id: message.readUInt16BE(0), flags: message.readUInt16BE(2), name: labels.join('.').toLowerCase(), type: message.readUInt16BE(offset + 1), end: offset + 5 };
}

function answer(message: Buffer, query: Query, entry: Exclude<DnsEntry, 'silent'>): Buffer {
  const rcode = entry === 'nxdomain' ? 3 : entry === 'servfail' ? 2 : 0;
  const records: Buffer[] = [];
  if (typeof entry === 'object') {
    if ('srv' in entry && query.type === TYPE_SRV) for (const srv of entry.srv) records.push(record(TYPE_SRV, srvData(srv)));
    if ('a' in entry && query.type === TYPE_A) for (const ip of entry.a) records.push(record(TYPE_A, aData(ip)));
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR, the query's opcode and RD, AA, RA, and the RCODE.
  header.writeUInt16BE(0x8000 | (query.flags & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, message.subarray(12, query.end), ...records]);
}

/** A resource record for the question's name (pointer to offset 12), class IN, TTL 0. */
function record(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(0, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

function srvData({ priority, weight, port, target }: SrvAnswer): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(priority, 0);
  fixed.writeUInt16BE(weight, 2);
  fixed.writeUInt16BE(port, 4);
  return Buffer.concat([fixed, encodeName(target)]);
}

function encodeName(name: string): Buffer {
  const labels = normalise(name).split('.').filter((label) => label !== '');
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])), Buffer.from([0])]);
}

function aData(ip: string): Buffer {
  if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}

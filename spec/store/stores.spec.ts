// The stores (file, localStorage, memory) and the client's `store` option around them:
// what a clean start does, what an unreadable store does, what Session Present false does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { fileStore, localStorageStore, memoryStore, MqttClient, MqttError, type ConnectionState, type KeyValueStorage, type PersistedSession, type SessionChange } from '../../src';
import * as browser from '../../src/store/platform.browser';
import type * as node from '../../src/store/platform';
import { TestBroker } from '../../src/testing';

const message = (topic: string, text: string) => ({ topic, payload: Buffer.from(text).toString('base64'), qos: 1 as const, retain: false });
const session = (over: Partial<PersistedSession> = {}): PersistedSession => ({
  format: 1,
  nextPacketId: 3,
  nextSeq: 2,
  everConnected: true,
  flows: [{ packetId: 1, seq: 0, awaiting: 'puback', message: message('a', 'one') }],
  held: [7],
  queue: [{ key: 5, message: message('b', 'two') }],
  ...over,
});

describe('fileStore', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxmqtt-filestore-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (id: string) => path.join(dir, `session-${encodeURIComponent(id)}.jsonl`);

  it('has nothing for an unknown client id; gives back a snapshot and the changes appended after it', () => {
    const store = fileStore(dir);
    expect(store.load('c/1')).toBeUndefined();
    store.reset('c/1', session());
    const changes: SessionChange[] = [
      { type: 'flowStarted', flow: { packetId: 3, seq: 2, awaiting: 'pubrec', message: { ...message('c', 'three'), qos: 2 } } },
      { type: 'flowReleased', packetId: 3 },
      { type: 'flowEnded', packetId: 1 },
      { type: 'released', packetId: 7 },
      { type: 'held', packetId: 9 },
      { type: 'dequeued', key: 5 },
      { type: 'counters', nextPacketId: 4, nextSeq: 3, everConnected: true },
    ];
    store.append('c/1', changes, () => session());
    expect(fs.readFileSync(file('c/1'), 'utf8').split('\n')).toHaveLength(3); // snapshot, one run, ''
    expect(fileStore(dir).load('c/1')).toEqual({
      format: 1,
      nextPacketId: 4,
      nextSeq: 3,
      everConnected: true,
      flows: [{ packetId: 3, seq: 2, awaiting: 'pubcomp', message: { ...message('c', 'three'), qos: 2 } }],
      held: [9],
      queue: [],
    });
  });

  it('drops a torn last line (an append the process died in: its packets never left)', () => {
    const store = fileStore(dir);
    store.reset('c', session());
    fs.appendFileSync(file('c'), '[{"type":"flowEnded","packetId":1}');
    expect(fileStore(dir).load('c')).toEqual(session());
  });

  it('refuses a corrupt file with store-error, and leaves it alone', () => {
    fileStore(dir).reset('c', session());
    fs.appendFileSync(file('c'), 'not json\n[]\n');
    const before = fs.readFileSync(file('c'), 'utf8');
    expect(() => fileStore(dir).load('c')).toThrow(expect.objectContaining({ code: 'store-error', message: expect.stringMatching(/line 2 is not JSON/) }));
    fs.writeFileSync(file('c'), JSON.stringify({ ...session(), flows: [{ packetId: 0 }] }) + '\n');
    expect(() => fileStore(dir).load('c')).toThrow(expect.objectContaining({ code: 'store-error', message: expect.stringMatching(/flow is malformed/) }));
    fs.writeFileSync(file('c'), before);
    expect(fs.readFileSync(file('c'), 'utf8')).toBe(before);
  });

  it('compacts: the log is rewritten as one snapshot once it outgrows compactBytes and twice the snapshot', () => {
    const store = fileStore(dir, { compactBytes: 2000 });
    let current = session({ flows: [], held: [], queue: [] });
    store.reset('c', current);
    for (let i = 0; i < 500; i++) {
      const packetId = (i % 100) + 1;
      const changes: SessionChange[] = [{ type: 'flowStarted', flow: { packetId, seq: i, awaiting: 'puback', message: message('t', `m${i}`) } }];
      if (i >= 3) changes.push({ type: 'flowEnded', packetId: ((i - 3) % 100) + 1 });
      const flows = [...current.flows.filter((f) => !changes.some((c) => c.type === 'flowEnded' && c.packetId === f.packetId)), (changes[0] as Extract<SessionChange, { type: 'flowStarted' }>).flow];
      current = { ...current, flows };
      const snapshot = current;
      store.append('c', changes, () => snapshot);
    }
    expect(fs.statSync(file('c')).size).toBeLessThan(2000 + 1000);
    expect(fileStore(dir).load('c')?.flows.map((f) => f.seq)).toEqual([497, 498, 499]);
    expect(fs.existsSync(`${file('c')}.tmp`)).toBe(false);
  });

  it('clear removes the file', () => {
    const store = fileStore(dir);
    store.reset('c', session());
    store.clear('c');
    expect(fs.existsSync(file('c'))).toBe(false);
    expect(store.load('c')).toBeUndefined();
  });

  it("has the browser build's shape; the browser's refuses with invalid-argument", () => {
    const same: typeof node.fileStore = browser.fileStore;
    expect(typeof same).toBe('function');
    expect(() => browser.fileStore(dir)).toThrow(expect.objectContaining({ code: 'invalid-argument', message: expect.stringMatching(/localStorageStore/) }));
  });
});

describe('localStorageStore and memoryStore', () => {
  function fakeStorage(): KeyValueStorage & { items: Map<string, string> } {
    const items = new Map<string, string>();
    return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
  }

  it('localStorageStore keeps the snapshot as JSON under one key per client id', () => {
    const storage = fakeStorage();
    const store = localStorageStore({ storage });
    expect(store.load('c')).toBeUndefined();
    store.reset('c', session());
    store.append('c', [{ type: 'flowEnded', packetId: 1 }], () => session({ flows: [] }));
    expect([...storage.items.keys()]).toEqual(['rxmqtt:session:c']);
    expect(localStorageStore({ storage }).load('c')).toEqual(session({ flows: [] }));
    storage.setItem('rxmqtt:session:c', '{');
    expect(() => store.load('c')).toThrow(expect.objectContaining({ code: 'store-error' }));
    store.clear('c');
    expect(storage.items.size).toBe(0);
  });

  it('localStorageStore: a failing write (quota) is a store-error', () => {
    const storage = { ...fakeStorage(), setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(() => localStorageStore({ storage }).reset('c', session())).toThrow(expect.objectContaining({ code: 'store-error', message: expect.stringMatching(/Quota/) }));
  });

  it('memoryStore gives back the last snapshot', () => {
    const store = memoryStore();
    store.reset('c', session());
    store.append('c', [], () => session({ held: [] }));
    expect(store.load('c')).toEqual(session({ held: [] }));
  });
});

describe('the store option', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxmqtt-option-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (id: string) => path.join(dir, `session-${encodeURIComponent(id)}.jsonl`);

  it('refuses what is not a store', () => {
    expect(() => new MqttClient({ store: {} as never })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });

  it('clean: true clears the stored session at construction and never writes one', async () => {
    fileStore(dir).reset('c', session());
    const broker = new TestBroker();
    const client = new MqttClient({ clientId: 'c', clean: true, keepalive: 0, store: fileStore(dir), transport: broker.transport });
    expect(fs.existsSync(file('c'))).toBe(false);
    await firstValueFrom(client.connect());
    await firstValueFrom(client.publish('t', 'x', { qos: 1 }));
    await firstValueFrom(client.disconnect(), { defaultValue: undefined });
    expect(fs.existsSync(file('c'))).toBe(false);
    expect(broker.received.filter((p) => p.type === 'publish')).toHaveLength(1); // nothing resent from the old session
  });

  it('an unreadable store: connect() errors with store-error, nothing is dialled, the file is left alone', async () => {
    fs.writeFileSync(file('c'), '{"format":1,"nextPacketId":\n');
    const broker = new TestBroker();
    const client = new MqttClient({ clientId: 'c', clean: false, keepalive: 0, store: fileStore(dir), transport: broker.transport });
    const states: ConnectionState['type'][] = [];
    client.connectionState$.subscribe((s) => states.push(s.type));
    const error = await lastValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'store-error', message: expect.stringMatching(/line 1 is not JSON/) });
    expect(broker.connectionCount).toBe(0);
    expect(states).toEqual(['idle', 'connecting', 'disconnected']);
    expect(fs.readFileSync(file('c'), 'utf8')).toBe('{"format":1,"nextPacketId":\n');
    // Repaired (here: removed), the next connect() reads it again and goes on.
    fs.rmSync(file('c'));
    await firstValueFrom(client.connect());
    expect(broker.connectionCount).toBe(1);
    await firstValueFrom(client.disconnect(), { defaultValue: undefined });
  });

  it('Session Present false discards the stored flows and held ids, keeps the backlog', async () => {
    fileStore(dir).reset('c', session());
    const broker = new TestBroker({ connack: { sessionPresent: false } });
    const client = new MqttClient({ clientId: 'c', clean: false, keepalive: 0, store: fileStore(dir), transport: broker.transport });
    await firstValueFrom(client.connect());
    await new Promise((r) => setTimeout(r, 30));
    await firstValueFrom(client.disconnect(), { defaultValue: undefined });
    const sent = broker.received.filter((p) => p.type === 'publish');
    expect(sent.map((p) => p.type === 'publish' && [p.topic, p.dup])).toEqual([['b', false]]); // the backlog, not flow 1
    expect(fileStore(dir).load('c')).toMatchObject({ flows: [], held: [], queue: [] });
  });

  it("'first-only': a restarted client resumes (its CONNECT is not clean) since the store says it connected before", async () => {
    const broker = new TestBroker({ connack: (connect) => ({ sessionPresent: !connect.clean }) });
    const first = new MqttClient({ clientId: 'c', clean: 'first-only', keepalive: 0, store: fileStore(dir), transport: broker.transport });
    await firstValueFrom(first.connect());
    await firstValueFrom(first.disconnect(), { defaultValue: undefined });
    const second = new MqttClient({ clientId: 'c', clean: 'first-only', keepalive: 0, store: fileStore(dir), transport: broker.transport });
    const connack = await firstValueFrom(second.connect());
    await firstValueFrom(second.disconnect(), { defaultValue: undefined });
    expect(broker.received.filter((p) => p.type === 'connect').map((p) => p.type === 'connect' && p.clean)).toEqual([true, false]);
    expect(connack.sessionPresent).toBe(true);
  });

  it('resumed flows take no packet id they hold; a resent held QoS 2 PUBLISH is not delivered again', async () => {
    fileStore(dir).reset('c', session({ nextPacketId: 1, queue: [] }));
    const broker = new TestBroker({ connack: { sessionPresent: true } });
    const client = new MqttClient({ clientId: 'c', clean: false, keepalive: 0, store: fileStore(dir), transport: broker.transport });
    const delivered = firstValueFrom(client.messages$().pipe(take(1), toArray()));
    await firstValueFrom(client.connect());
    const ack = await firstValueFrom(client.publish('new', 'x', { qos: 1 }));
    expect(ack.packetId).toBe(2); // 1 is the resumed flow's
    broker.deliver('in', 'again', { qos: 2, packetId: 7, dup: true });
    broker.deliver('in', 'fresh', { qos: 2, packetId: 8 });
    expect((await delivered).map((m) => m.text())).toEqual(['fresh']);
    await new Promise((r) => setTimeout(r, 20));
    expect(broker.received.filter((p) => p.type === 'pubrec').map((p) => p.type === 'pubrec' && p.packetId)).toEqual([7, 8]);
    await firstValueFrom(client.disconnect(), { defaultValue: undefined });
  });
});

import type { PublishPacket } from '../../src/codec/types';
import { hasFlow } from '../../src/session/id-table';
import { effects, ofType, payload, recv, run, sent, connected } from './helpers';

function inbound(qos: 0 | 1 | 2, packetId?: number, dup = false): PublishPacket {
  const p: PublishPacket = { type: 'publish', topic: 'in', payload: payload(`p${packetId ?? 0}`), qos, retain: false, dup };
  if (packetId !== undefined) p.packetId = packetId;
  return p;
}
const pubrel = (packetId: number) => recv({ type: 'pubrel', packetId, reasonCode: 0 });

describe('session: inbound QoS 0/1', () => {
  it('QoS 0 is delivered, nothing sent', () => {
    const r = run(connected(), [recv(inbound(0))]);
    expect(effects(r.commands)).toEqual([{ type: 'deliverMessage', message: inbound(0) }]);
  });

  it('QoS 1 is delivered, then PUBACKed', () => {
    const r = run(connected(), [recv(inbound(1, 5))]);
    expect(effects(r.commands)).toEqual([
      { type: 'deliverMessage', message: inbound(1, 5) },
      { type: 'sendPacket', packet: { type: 'puback', packetId: 5, reasonCode: 0 } },
    ]);
  });
});

describe('session: inbound QoS 2 (exactly once)', () => {
  it('delivers once, PUBRECs every copy, PUBCOMPs the PUBREL and frees the id', () => {
    const r1 = run(connected(), [recv(inbound(2, 9)), recv(inbound(2, 9, true))]);
    expect(effects(r1.commands)).toEqual([
      { type: 'deliverMessage', message: inbound(2, 9) },
      { type: 'sendPacket', packet: { type: 'pubrec', packetId: 9, reasonCode: 0 } },
      { type: 'sendPacket', packet: { type: 'pubrec', packetId: 9, reasonCode: 0 } },
    ]);
    expect(hasFlow(r1.state.session.inboundQos2, 9)).toBe(true);
    const r2 = run(r1.state, [pubrel(9), recv(inbound(2, 9))]);
    expect(effects(r2.commands)).toEqual([
      { type: 'sendPacket', packet: { type: 'pubcomp', packetId: 9, reasonCode: 0 } },
      // After PUBREL the id is free: the same id is a new message.
      { type: 'deliverMessage', message: inbound(2, 9) },
      { type: 'sendPacket', packet: { type: 'pubrec', packetId: 9, reasonCode: 0 } },
    ]);
  });

  it.each([
    [5, 0x92],
    [4, 0],
  ] as const)('PUBREL for an unknown id in protocol %d → PUBCOMP reason code %d', (protocolVersion, code) => {
    const r = run(connected({ protocolVersion }), [pubrel(3)]);
    expect(sent(r.commands)).toEqual([{ type: 'pubcomp', packetId: 3, reasonCode: code }]);
  });

  it('held ids survive a reconnect with session present and are cleared when not present', () => {
    const held = run(connected({ clean: false }, { type: 'connack', sessionPresent: false, reasonCode: 0 }), [recv(inbound(2, 4)), { type: 'transportClosed' }]).state;
    expect(hasFlow(held.session.inboundQos2, 4)).toBe(true);
    const resumed = run(held, [{ type: 'transportOpened' }, recv({ type: 'connack', sessionPresent: true, reasonCode: 0 }), recv(inbound(2, 4, true))]);
    expect(ofType(resumed.commands, 'deliverMessage')).toEqual([]);
    expect(sent(resumed.commands).slice(1)).toEqual([{ type: 'pubrec', packetId: 4, reasonCode: 0 }]);
    const lost = run(held, [{ type: 'transportOpened' }, recv({ type: 'connack', sessionPresent: false, reasonCode: 0 }), recv(inbound(2, 4, true))]);
    expect(lost.state.session.inboundQos2Count).toBe(1); // the new copy
    expect(ofType(lost.commands, 'deliverMessage')).toHaveLength(1);
  });

  it('a PUBLISH with QoS > 0 and no packet id is a protocol error', () => {
    const r = run(connected(), [recv(inbound(1))]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error' });
  });
});

describe('session: manualAck', () => {
  it('gives delivery ids and sends acks in receive order [MQTT-4.6.0-2]/[MQTT-4.6.0-3]', () => {
    const r1 = run(connected({ manualAck: true }), [recv(inbound(1, 1)), recv(inbound(2, 2)), recv(inbound(1, 3)), recv(inbound(0))]);
    expect(ofType(r1.commands, 'deliverMessage').map((d) => d.deliveryId)).toEqual([1, 2, 3, undefined]);
    expect(sent(r1.commands)).toEqual([]);
    // Ack the last two first: nothing leaves until the first is acked.
    const r2 = run(r1.state, [{ type: 'messageAcked', deliveryId: 3 }, { type: 'messageAcked', deliveryId: 2 }]);
    expect(sent(r2.commands)).toEqual([]);
    const r3 = run(r2.state, [{ type: 'messageAcked', deliveryId: 1 }]);
    expect(sent(r3.commands)).toEqual([
      { type: 'puback', packetId: 1, reasonCode: 0 },
      { type: 'pubrec', packetId: 2, reasonCode: 0 },
      { type: 'puback', packetId: 3, reasonCode: 0 },
    ]);
    expect(r3.state.connection).toMatchObject({ ackQueue: [], inboundQos1Unacked: 0 });
  });

  it('acks in order are sent at once; a repeated or stale ack does nothing', () => {
    const r = run(connected({ manualAck: true }), [
      recv(inbound(1, 1)),
      { type: 'messageAcked', deliveryId: 1 },
      { type: 'messageAcked', deliveryId: 1 },
      { type: 'messageAcked', deliveryId: 77 },
    ]);
    expect(sent(r.commands)).toEqual([{ type: 'puback', packetId: 1, reasonCode: 0 }]);
  });

  it('an unacked QoS 2 repeated on the same connection waits for the original ack', () => {
    const r = run(connected({ manualAck: true }), [recv(inbound(2, 6)), recv(inbound(2, 6, true))]);
    expect(sent(r.commands)).toEqual([]);
    expect(ofType(r.commands, 'deliverMessage')).toHaveLength(1);
    const r2 = run(r.state, [{ type: 'messageAcked', deliveryId: 1 }]);
    expect(sent(r2.commands)).toEqual([{ type: 'pubrec', packetId: 6, reasonCode: 0 }]);
  });

  it('a QoS 2 acked after the connection dropped gets PUBREC when the broker resends it', () => {
    const s = run(connected({ manualAck: true, clean: false }), [recv(inbound(2, 6)), { type: 'transportClosed' }, { type: 'messageAcked', deliveryId: 1 }]).state;
    const r = run(s, [{ type: 'transportOpened' }, recv({ type: 'connack', sessionPresent: true, reasonCode: 0 }), recv(inbound(2, 6, true))]);
    expect(ofType(r.commands, 'deliverMessage')).toEqual([]);
    expect(sent(r.commands).slice(1)).toEqual([{ type: 'pubrec', packetId: 6, reasonCode: 0 }]);
  });

  it('messageAcked without manualAck is ignored', () => {
    const r = run(connected(), [{ type: 'messageAcked', deliveryId: 1 }]);
    expect(effects(r.commands)).toEqual([]);
  });
});

describe('session: our Receive Maximum (5.0)', () => {
  it('one unacknowledged QoS 1/2 PUBLISH too many is a protocol error 0x93 [MQTT-3.3.4-9]', () => {
    const r = run(connected({ manualAck: true, connectProperties: { receiveMaximum: 2 } }), [recv(inbound(1, 1)), recv(inbound(2, 2)), recv(inbound(1, 3))]);
    expect(ofType(r.commands, 'deliverMessage')).toHaveLength(2);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0x93 }]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error', reasonCode: 0x93 });
  });

  it('acked messages no longer count', () => {
    const r = run(connected({ connectProperties: { receiveMaximum: 1 } }), [recv(inbound(1, 1)), recv(inbound(1, 2)), recv(inbound(1, 3))]);
    expect(ofType(r.commands, 'closeTransport')).toEqual([]);
    expect(ofType(r.commands, 'deliverMessage')).toHaveLength(3);
  });
});

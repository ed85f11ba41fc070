/** Checking what a store read (it may be anything) before it becomes a `PersistedSession` or its changes. */

import { fromBase64 } from '../util/base64';
import { corrupt, isObject, type PersistedSession, type SessionChange } from './persist';

const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const isInt = (v: unknown): v is number => Number.isInteger(v);

function checkMessage(v: unknown): void {
  if (!isObject(v) || typeof v.topic !== 'string' || typeof v.payload !== 'string' || (v.qos !== 1 && v.qos !== 2) || typeof v.retain !== 'boolean') {
    throw corrupt('a message is malformed');
  }
  if (fromBase64(v.payload) === undefined) throw corrupt('a payload is not base64');
}

function checkFlow(v: unknown): void {
  if (!isObject(v) || !isId(v.packetId) || !isInt(v.seq) || (v.awaiting !== 'puback' && v.awaiting !== 'pubrec' && v.awaiting !== 'pubcomp')) {
    throw corrupt('a flow is malformed');
  }
  checkMessage(v.message);
}

function checkQueued(v: unknown): void {
  if (!isObject(v) || !isInt(v.key)) throw corrupt('a queued publish is malformed');
  checkMessage(v.message);
}

function checkCounters(v: Record<string, unknown>): void {
  if (!isId(v.nextPacketId) || !isInt(v.nextSeq) || typeof v.everConnected !== 'boolean') throw corrupt('counters are malformed');
  if (v.assignedClientId !== undefined && typeof v.assignedClientId !== 'string') throw corrupt('assignedClientId is malformed');
}

/** `value` as a `PersistedSession`, or a `store-error` saying what is wrong with it. */
export function checkPersisted(value: unknown): PersistedSession {
  if (!isObject(value) || value.format !== 1) throw corrupt('not a persisted session (format 1)');
  checkCounters(value);
  if (!Array.isArray(value.flows) || !Array.isArray(value.held) || !Array.isArray(value.queue)) throw corrupt('flows, held or queue missing');
  value.flows.forEach(checkFlow);
  if (!value.held.every(isId)) throw corrupt('a held packet id is malformed');
  value.queue.forEach(checkQueued);
  return value as unknown as PersistedSession;
}

/** `value` as a list of `SessionChange`, or a `store-error`. */
export function checkChanges(value: unknown): SessionChange[] {
  if (!Array.isArray(value)) throw corrupt('a change record is not a list');
  for (const c of value) {
    if (!isObject(c)) throw corrupt('a change is not an object');
    switch (c.type) {
      case 'counters':
        checkCounters(c);
        break;
      case 'flowStarted':
        checkFlow(c.flow);
        break;
      case 'flowReleased':
      case 'flowEnded':
      case 'held':
      case 'released':
        if (!isId(c.packetId)) throw corrupt(`${c.type}: bad packet id`);
        break;
      case 'queued':
        checkQueued(c.item);
        break;
      case 'dequeued':
        if (!isInt(c.key)) throw corrupt('dequeued: bad key');
        break;
      default:
        throw corrupt(`unknown change ${JSON.stringify(c.type)}`);
    }
  }
  return value as SessionChange[];
}

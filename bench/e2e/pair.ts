/**
 * One measured run: a receiving party (subscriber, echo) and a sending party (publisher,
 * pinger) against the shared broker. Both report ready (the receiver once all its
 * SUBACKs are in) before either is told `go`; the broker's CPU is read from /proc over the same window. Whatever
 * happens, both processes are gone when this returns; a step that hangs past the run
 * timeout fails the run (the caller records it and goes on).
 */
import type { Config } from './config';
import type { Party } from './party';
import { procCpuUs, within } from './processes';
import type { WorkerResult } from './protocol';

export interface Context {
  cfg: Config;
  host: string;
  port: number;
  brokerPid: number;
  /** Unique per benchmark run: topics and client ids carry it. */
  runId: string;
  log(line: string): void;
}

export interface PairResult {
  sender: WorkerResult;
  receiver: WorkerResult;
  brokerCpuUs: number;
}

let serial = 0;
/** A fresh client id / topic suffix. */
export function nextId(ctx: Context, what: string): string {
  return `${ctx.runId}-${what}-${++serial}`;
}

export async function runPair(ctx: Context, makeReceiver: () => Party, makeSender: () => Party): Promise<PairResult> {
  const parties: Party[] = [];
  const limit = ctx.cfg.runTimeoutMs;
  let failed = false;
  try {
    // Both start at once (process start-up dominates short runs); the sender waits for `go`.
    const receiver = makeReceiver();
    parties.push(receiver);
    const sender = makeSender();
    parties.push(sender);
    await Promise.all([
      within(receiver.ready(), limit, `${receiver.name} (pid ${receiver.pid}) getting ready`),
      within(sender.ready(), limit, `${sender.name} (pid ${sender.pid}) getting ready`),
    ]);
    const broker0 = procCpuUs(ctx.brokerPid);
    receiver.tell('go');
    sender.tell('go');
    let senderResult = await within(sender.result(), limit, `${sender.name} (pid ${sender.pid}) running`);
    receiver.tell('done');
    const receiverResult = await within(receiver.result(), limit, `${receiver.name} (pid ${receiver.pid}) finishing`);
    const brokerCpuUs = procCpuUs(ctx.brokerPid) - broker0;
    if (sender.refine) senderResult = sender.refine();
    return { sender: senderResult, receiver: receiverResult, brokerCpuUs };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await Promise.all(parties.map((p) => p.close(failed)));
  }
}

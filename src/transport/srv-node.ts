/**
 * The default SRV lookup in Node: `dns.promises`. Node only (platform.ts exports it;
 * the browser build has no DNS API and none).
 *
 * Each lookup gets its own `Resolver` on the servers Node's default resolver uses
 * (`dns.getServers()`: the system's, or what `dns.setServers` set), so that aborting one
 * lookup (`cancel()`) leaves no query running after the client stopped waiting, and
 * touches no other lookup in the process.
 */

import { promises as dns } from 'node:dns';
import type { SrvRecord, SrvResolver } from './srv';

export const nodeSrvResolver: SrvResolver = async (name, { signal }): Promise<SrvRecord[]> => {
  signal.throwIfAborted();
  const resolver = new dns.Resolver();
  resolver.setServers(dns.getServers());
  const cancel = (): void => resolver.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await resolver.resolveSrv(name);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
};

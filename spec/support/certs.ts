/**
 * Test certificates made with the `openssl` CLI: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate (plain and passphrase-protected key), and a
 * second, untrusted CA with its own server certificate. EC P-256 keys, because they are
 * generated in milliseconds.
 *
 * One directory per jest worker process, reused by every spec file that worker runs
 * (jest gives each file a fresh module registry, so the cache lives on disk: a marker
 * file, written last, says the set is complete).
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCerts {
  dir: string;
  caPath: string;
  /** The CA certificate as PEM text. */
  ca: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** The client key encrypted with `passphrase` (PKCS#8, AES-256). */
  clientKeyEncryptedPath: string;
  passphrase: string;
  /** A CA that nobody trusts, and a server certificate it signed. */
  untrustedCaPath: string;
  untrustedServerCertPath: string;
  untrustedServerKeyPath: string;
}

const PASSPHRASE = 'rxmqtt-test-passphrase';
const MARKER = 'complete';

export async function makeCerts(): Promise<TestCerts> {
  const worker = process.env.JEST_WORKER_ID ?? '0';
  const dir = path.join(os.tmpdir(), `rxmqtt-certs-${process.pid}-${worker}`);
  const certs = describeCerts(dir);
  if (fs.existsSync(path.join(dir, MARKER))) return { ...certs, ca: fs.readFileSync(certs.caPath, 'utf8') };

  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);

  await makeCa(file('ca'), 'rxmqtt test CA');
  await makeCa(file('untrusted-ca'), 'rxmqtt untrusted CA');
  await makeLeaf(file('server'), file('ca'), 'localhost', 'serverAuth');
  await makeLeaf(file('untrusted-server'), file('untrusted-ca'), 'localhost', 'serverAuth');
  await makeLeaf(file('client'), file('ca'), 'rxmqtt-test-client', 'clientAuth');
  await openssl(['pkey', '-in', file('client.key'), '-aes256', '-passout', `pass:${PASSPHRASE}`, '-out', file('client-encrypted.key')]);

  // mosquitto started as root drops to the `mosquitto` user before loading keys, so
  // the files must be world-readable. They are throwaway test keys.
  for (const name of fs.readdirSync(dir)) fs.chmodSync(file(name), 0o644);
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(file(MARKER), '');
  return { ...certs, ca: fs.readFileSync(certs.caPath, 'utf8') };
}

function describeCerts(dir: string): Omit<TestCerts, 'ca'> {
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    caPath: file('ca.crt'),
    serverCertPath: file('server.crt'),
    serverKeyPath: file('server.key'),
    clientCertPath: file('client.crt'),
    clientKeyPath: file('client.key'),
    clientKeyEncryptedPath: file('client-encrypted.key'),
    passphrase: PASSPHRASE,
    untrustedCaPath: file('untrusted-ca.crt'),
    untrustedServerCertPath: file('untrusted-server.crt'),
    untrustedServerKeyPath: file('untrusted-server.key'),
  };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed (is openssl installed? apt-get install -y openssl): ${stderr || (error as Error).message}`);
  }
}

function ecKey(keyPath: string): Promise<void> {
  return openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
}

/** A self-signed CA: `<base>.key` and `<base>.crt`. */
async function makeCa(base: string, commonName: string): Promise<void> {
  await ecKey(`${base}.key`);
  await openssl([
    'req', '-x509', '-new', '-key', `${base}.key`, '-subj', `/CN=${commonName}`, '-days', '3650', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-out', `${base}.crt`,
  ]);
}

/** A certificate signed by the CA at `caBase`, valid for 127.0.0.1 and localhost. */
async function makeLeaf(base: string, caBase: string, commonName: string, usage: 'serverAuth' | 'clientAuth'): Promise<void> {
  await ecKey(`${base}.key`);
  await openssl(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${commonName}`, '-out', `${base}.csr`]);
  const extensions = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    `extendedKeyUsage=${usage}`,
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ];
  fs.writeFileSync(`${base}.ext`, extensions.join('\n') + '\n');
  await openssl([
    'x509', '-req', '-in', `${base}.csr`, '-CA', `${caBase}.crt`, '-CAkey', `${caBase}.key`, '-CAcreateserial',
    '-days', '365', '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.crt`,
  ]);
}

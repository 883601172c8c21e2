import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';

/**
 * TLS material of the secured stack: a private CA and one server certificate signed by it, made with the
 * `openssl` binary (node:crypto has no API to issue X.509 certificates). The CA key is deleted once the server
 * certificate is signed: nothing can mint another certificate this CA vouches for, so trusting the CA file
 * means trusting exactly this stack's server. The same generator makes the docker compose secrets
 * (scripts/compose-secrets.mjs) with other host names.
 */

export interface TlsFiles {
  dir: string;
  /** The CA certificate clients trust (KAFKA_SSL_CA_FILE, REDIS_TLS_CA_FILE, Kafka's PEM truststore). */
  caCert: string;
  /** Server certificate and its unencrypted PKCS#8 key (Redis: --tls-cert-file / --tls-key-file). */
  serverCert: string;
  serverKey: string;
  /** Key + certificate chain in one file: Kafka's `ssl.keystore.type=PEM` keystore. */
  serverKeystore: string;
}

export function tlsFiles(dir: string): TlsFiles {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    serverKeystore: join(dir, 'server-keystore.pem'),
  };
}

/** Names the server certificate is valid for: IP addresses and DNS names. */
export interface TlsSubject {
  commonName: string;
  ips: readonly string[];
  dnsNames: readonly string[];
}

/** The local stack listens on 127.0.0.1; `localhost` is there for clients that use the name. */
export const STACK_TLS_SUBJECT: TlsSubject = {
  commonName: 'localhost',
  ips: ['127.0.0.1'],
  dnsNames: ['localhost'],
};

/** ~2 years: long enough for a dev stack dir, short enough that a forgotten one does not stay valid forever. */
const VALID_DAYS = 825;

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) {
    const why =
      (r.error as { code?: string } | undefined)?.code === 'ENOENT'
        ? 'openssl is not on PATH (Debian/Ubuntu: `apt-get install -y openssl`)'
        : `openssl ${args[0] ?? ''} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' / ')}`;
    throw new StackError('TLS_SETUP_FAILED', `Creating the stack's TLS certificates failed: ${why}.`);
  }
}

/** The X.509 v3 extensions of the server certificate (an `-extfile`). */
export function serverExtensions(subject: TlsSubject): string {
  const san = [...subject.ips.map((ip) => `IP:${ip}`), ...subject.dnsNames.map((d) => `DNS:${d}`)].join(',');
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${san}`,
    '',
  ].join('\n');
}

/**
 * Creates the CA and the server certificate in `dir` unless all files exist (dir 0700, keys 0600). A partial set
 * (e.g. a deleted server key) is replaced as a whole: the CA key is gone, so a new server cert needs a new CA.
 */
export function ensureTls(dir: string, subject: TlsSubject = STACK_TLS_SUBJECT): TlsFiles {
  const files = tlsFiles(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if ([files.caCert, files.serverCert, files.serverKey, files.serverKeystore].every((f) => existsSync(f)))
    return files;
  const caKey = join(dir, 'ca.key');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    // openssl writes new keys with the umask's mode; tighten before anything else reads them.
    openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      caKey,
      '-out',
      files.caCert,
      '-days',
      String(VALID_DAYS),
      '-subj',
      `/CN=saga local stack CA ${new Date().toISOString().slice(0, 10)}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    chmodSync(caKey, 0o600);
    openssl([
      'req',
      '-new',
      ...ec,
      '-keyout',
      files.serverKey,
      '-out',
      csr,
      '-subj',
      `/CN=${subject.commonName}`,
    ]);
    chmodSync(files.serverKey, 0o600);
    writeFileSync(ext, serverExtensions(subject));
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      files.caCert,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${Date.now().toString(16)}`,
      '-days',
      String(VALID_DAYS),
      '-out',
      files.serverCert,
      '-extfile',
      ext,
    ]);
    const chain = [files.serverKey, files.serverCert, files.caCert]
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
    writeFileSync(files.serverKeystore, chain, { mode: 0o600 });
    chmodSync(files.serverKeystore, 0o600);
    chmodSync(files.serverCert, 0o644);
    chmodSync(files.caCert, 0o644);
  } finally {
    rmSync(caKey, { force: true });
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  return files;
}

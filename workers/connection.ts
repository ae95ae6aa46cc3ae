import fs from 'node:fs';
import net from 'node:net';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { UnreachableServiceError } from '../errors';
import { installRuntime } from './worker';

/**
 * Where Temporal is, from the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, and for Temporal Cloud
 * or any TLS cluster either TEMPORAL_API_KEY or TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY (file paths).
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer } } | true;
}

export function targetFromEnv(fallbackAddress?: string): TemporalTarget | null {
  const address = process.env.TEMPORAL_ADDRESS ?? fallbackAddress;
  if (!address) return null;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const apiKey = process.env.TEMPORAL_API_KEY || undefined;
  const cert = process.env.TEMPORAL_TLS_CERT;
  const key = process.env.TEMPORAL_TLS_KEY;
  let tls: TemporalTarget['tls'];
  if (cert && key) tls = { clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) } };
  else if (apiKey || process.env.TEMPORAL_TLS === 'true') tls = true;
  return { address, namespace, apiKey, tls };
}

/** How long connecting to Temporal may take before tuneflow gives up with a message. */
export const CONNECT_TIMEOUT_MS = 10_000;

function unreachable(target: TemporalTarget, cause: unknown): UnreachableServiceError {
  const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0].slice(0, 300);
  const advice = process.env.TEMPORAL_ADDRESS
    ? 'Check that TEMPORAL_ADDRESS names a running Temporal frontend as host:port, that TEMPORAL_NAMESPACE exists there, and that ' +
      'TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY match it; or unset TEMPORAL_ADDRESS to use a local dev server (`tuneflow dev` runs one).'
    : 'The local dev server stopped answering; start it again with `tuneflow dev`, or set TEMPORAL_ADDRESS to a running cluster.';
  return new UnreachableServiceError(`Cannot reach Temporal at ${target.address} (namespace ${target.namespace}): ${reason}. ${advice}`);
}

const PROXY_VARIABLES = ['grpc_proxy', 'https_proxy', 'http_proxy', 'GRPC_PROXY', 'HTTPS_PROXY', 'HTTP_PROXY'];

/**
 * Rejects at once when nothing listens at the address (refused, unknown host), which gRPC would retry
 * until its deadline; anything slower is left to the connection's own deadline. Behind a proxy the
 * address need not be reachable directly, so then there is no such check.
 */
function refusedAtOnce(address: string): Promise<void> {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || PROXY_VARIABLES.some((name) => process.env[name])) return Promise.resolve();
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(), 2000);
    socket.once('connect', () => done());
    socket.once('error', (err) => done(err));
  });
}

function noAnswer(): Error {
  return new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`);
}

export async function connectClient(target: TemporalTarget): Promise<Connection> {
  const options: ConnectionOptions = { address: target.address, tls: target.tls, apiKey: target.apiKey, connectTimeout: CONNECT_TIMEOUT_MS };
  try {
    await refusedAtOnce(target.address);
    return await Connection.connect(options);
  } catch (err) {
    throw unreachable(target, err instanceof Error && /before the deadline/.test(err.message) ? noAnswer() : err);
  }
}

export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  installRuntime();
  const options: NativeConnectionOptions = { address: target.address, tls: target.tls, apiKey: target.apiKey };
  let timer: NodeJS.Timeout | undefined;
  // The native connection has no deadline of its own for a server that accepts and never answers.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(noAnswer()), CONNECT_TIMEOUT_MS);
  });
  try {
    await refusedAtOnce(target.address);
    return await Promise.race([NativeConnection.connect(options), deadline]);
  } catch (err) {
    throw unreachable(target, err);
  } finally {
    clearTimeout(timer);
  }
}

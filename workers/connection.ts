import fs from 'node:fs';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { Connection, type ConnectionOptions } from '@temporalio/client';
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

export function connectClient(target: TemporalTarget): Promise<Connection> {
  const options: ConnectionOptions = { address: target.address, tls: target.tls, apiKey: target.apiKey };
  return Connection.connect(options);
}

export function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  installRuntime();
  const options: NativeConnectionOptions = { address: target.address, tls: target.tls, apiKey: target.apiKey };
  return NativeConnection.connect(options);
}

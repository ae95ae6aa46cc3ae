import http from 'node:http';
import net from 'node:net';
import type { Registry } from 'prom-client';
import { InputError } from '../errors';

/** How long a scrape waits for the Temporal SDK's own exporter before answering without its metrics. */
const SDK_SCRAPE_TIMEOUT_MS = 2000;

export interface MetricsServer {
  /** The port Prometheus scrapes, on every interface. */
  port: number;
  /** Where the SDK's exporter is told to listen: loopback only, read by this server alone. */
  sdkAddress: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on `port` (every interface): the registry's metrics, then the Temporal SDK's, which its
 * Core exports on a loopback port of its own (install the SDK runtime with `sdkAddress` as its Prometheus
 * bind address). One endpoint per worker, one scrape config. Binds at once, so a port that cannot be had
 * fails before the worker starts anything.
 * @throws InputError when `port` is in use or may not be bound.
 */
export async function startMetricsServer(port: number, registry: Registry): Promise<MetricsServer> {
  const sdkPort = await freeLoopbackPort();
  const sdkUrl = `http://127.0.0.1:${sdkPort}/metrics`;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('tuneflow worker: metrics are at GET /metrics\n');
      return;
    }
    void Promise.all([registry.metrics(), sdkMetrics(sdkUrl)]).then(
      ([own, sdk]) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : `${own}\n${sdk}`),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`tuneflow worker: metrics failed: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(bindError(port, err)));
    server.listen(port, () => resolve());
  });
  return {
    port,
    sdkAddress: `127.0.0.1:${sdkPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function bindError(port: number, err: NodeJS.ErrnoException): Error {
  if (err.code === 'EADDRINUSE') return new InputError(`--metrics-port ${port}: the port is in use on this machine; stop what listens there or choose another port.`);
  if (err.code === 'EACCES') return new InputError(`--metrics-port ${port}: this user may not listen on that port (below 1024 needs privileges); choose a port from 1024 to 65535.`);
  return new InputError(`--metrics-port ${port}: cannot listen on it (${err.code ?? err.message}).`);
}

/** The SDK exporter's text, or a comment saying why it is missing: a scrape still gets tuneflow's own metrics. */
function sdkMetrics(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: SDK_SCRAPE_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `# Temporal SDK metrics unavailable: HTTP ${res.statusCode}\n`));
      res.on('error', (err) => resolve(`# Temporal SDK metrics unavailable: ${err.message}\n`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${SDK_SCRAPE_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve(`# Temporal SDK metrics unavailable: ${err.message}\n`));
  });
}

/** A loopback port free right now, for the SDK's exporter to bind a moment later. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

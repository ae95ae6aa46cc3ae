import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { connectRedis } from '../../store/redis/client';
import { SKIP_REASON, testServices } from '../helpers/stack';
import { closedPort } from '../helpers/ports';


/** A TCP relay to Redis that can be cut and restored on the same port, to stage an outage. */
class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => this.sockets.delete(s));
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

describe('Redis clients', () => {
  it('log one line, without the password, however long Redis stays unreachable', async () => {
    const lines: string[] = [];
    const printed: unknown[][] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    const redis = connectRedis(`redis://:hunter2@127.0.0.1:${await closedPort()}`, { role: 'test client', log: (l) => lines.push(l), maxRetriesPerRequest: null });
    try {
      await sleep(2000);
    } finally {
      redis.disconnect();
      console.error = consoleError;
    }
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^tuneflow: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(test client\): cannot reach it: .*ECONNREFUSED.*; retrying until it is back\.$/);
    assert.ok(!lines[0].includes('hunter2'));
    assert.deepEqual(printed, [], 'nothing printed by ioredis itself');
  });
});

const services = testServices();

describe('Redis clients on the real Redis', { skip: services ? false : SKIP_REASON }, () => {
  it('log "lost" once when the connection drops and "back" once when it returns', async () => {
    const target = new URL(services!.redisUrl);
    const relay = new Relay({ host: target.hostname, port: Number(target.port || 6379) });
    await relay.open();
    const lines: string[] = [];
    const redis = connectRedis(`redis://127.0.0.1:${relay.port}`, { role: 'relay test', log: (l) => lines.push(l), maxRetriesPerRequest: null });
    try {
      assert.equal(await redis.ping(), 'PONG');
      await relay.cut();
      await sleep(1500);
      const pending = redis.ping();
      await relay.open();
      assert.equal(await pending, 'PONG', 'a command sent during the outage completes once Redis is back');
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0], /\(relay test\): connection lost: /);
      assert.match(lines[1], /\(relay test\): connection is back\.$/);
    } finally {
      redis.disconnect();
      await relay.cut();
    }
  });
});

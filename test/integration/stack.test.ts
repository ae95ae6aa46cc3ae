import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { withHome } from '../helpers/localStack';
import { connectTestClient, SKIP_REASON, testServices, uniqueId } from '../helpers/stack';
import { closedPort } from '../helpers/ports';

const services = testServices();

/** A session of quick random trials: long enough to still run while other processes come and go. */
const LONG_CAMPAIGN = `strategy: sma_crossover
params:
  fast: { type: int, low: 2, high: 60 }
  slow: { type: int, low: 10, high: 250 }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: random, seed: 3, parallelism: 4 }
`;


describe('one local stack per tuneflow home, shared and released by its users', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };

  test('two overlapping embedded runs share one stack, and the first to end leaves it to the other', async () => {
    await withHome(async (home) => {
      const short = makeCampaign(SMA_GRID);
      const long = makeCampaign(LONG_CAMPAIGN);
      const first = home.run(['run', short.config, '--trials', '4', '--json']);
      await first.waitFor(/Started session/);
      const second = home.run(['run', long.config, '--trials', '60', '--json']);
      await second.waitFor(/Started session/);
      assert.equal(home.temporalServers().length, 1, 'one Temporal dev server on the database');
      assert.equal(home.redisServers().length, 1, 'one redis-server on the folder');

      const firstEnd = await first.ended();
      assert.equal(firstEnd.code, 0, first.stderr);
      assert.equal(second.child.exitCode, null, 'the second run still runs when the first ends');
      assert.equal(home.temporalServers().length, 1, 'the dev server stays up for the second run');
      assert.equal(home.redisServers().length, 1, 'Redis stays up for the second run');
      const secondEnd = await second.ended(180_000).catch(async (err: Error) => {
        // Say how far the session got, so a slow run and a stuck one read differently.
        const [, sessionId] = second.stderr.match(/Started session (\S+)/)!;
        const status = home.run(['status', sessionId, '--json']);
        await status.ended();
        throw new Error(`${err.message}\nstatus: ${status.stdout}${status.stderr}`);
      });
      assert.equal(secondEnd.code, 0, second.stderr);
      assert.equal(JSON.parse(second.stdout).counts.succeeded, 60);
      assert.deepEqual(home.temporalServers(), [], 'the last user stopped the dev server');
      assert.deepEqual(home.redisServers(), [], 'the last user stopped Redis');
    });
  });

  test('`tuneflow dev` after its Temporal died restarts only Temporal and keeps the live Redis', async () => {
    await withHome(async (home) => {
      const dev = home.run(['dev']);
      const [, redisUrlBefore] = await dev.waitFor(/REDIS_URL=(\S+)/);
      const [killed] = home.temporalServers();
      process.kill(killed, 'SIGKILL');

      const again = home.run(['dev']);
      const [, redisUrlAfter] = await again.waitFor(/REDIS_URL=(\S+)/);
      assert.equal(redisUrlAfter, redisUrlBefore);
      assert.match(again.stderr, /Temporal dev server: started .*Redis: already running, joined/);
      assert.equal(home.redisServers().length, 1, 'one redis-server on the folder');
      const temporal = home.temporalServers();
      assert.equal(temporal.length, 1, 'one Temporal dev server on the database');
      assert.notEqual(temporal[0], killed);

      dev.child.kill('SIGINT');
      assert.equal((await dev.ended()).code, 0, dev.stderr);
      assert.equal(home.redisServers().length, 1, 'Redis stays up while the second `tuneflow dev` uses it');
      again.child.kill('SIGINT');
      assert.equal((await again.ended()).code, 0, again.stderr);
    });
  });

  test('`tuneflow results` without REDIS_URL joins the Redis of a running `tuneflow dev`', async () => {
    await withHome(async (home) => {
      const dev = home.run(['dev']);
      const [, devRedis] = await dev.waitFor(/REDIS_URL=(\S+)/);
      const redisPid = home.redisServers();

      const results = home.run(['results', 'no-such-session']);
      const end = await results.ended();
      assert.equal(end.code, 2, results.stderr);
      assert.ok(results.stderr.includes(`No session "no-such-session" in the trial store at ${devRedis}.`), results.stderr);
      assert.deepEqual(home.redisServers(), redisPid, 'the same single redis-server, still running');

      dev.child.kill('SIGINT');
      assert.equal((await dev.ended()).code, 0, dev.stderr);
    });
  });

  test('`tuneflow status` with the stack\'s Redis dead asks the running Temporal and starts nothing', async () => {
    await withHome(async (home) => {
      const dev = home.run(['dev']);
      const [, temporalAddress] = await dev.waitFor(/TEMPORAL_ADDRESS=(\S+)/);
      const temporalPids = home.temporalServers();
      process.kill(home.redisServers()[0], 'SIGKILL');

      const status = home.run(['status', 'no-such-session']);
      const end = await status.ended();
      assert.equal(end.code, 2, status.stderr);
      assert.ok(status.stderr.includes(`No session "no-such-session" on ${temporalAddress}.`), status.stderr);
      assert.deepEqual(home.temporalServers(), temporalPids, 'no second Temporal on the database');
      assert.deepEqual(home.redisServers(), [], 'status starts no Redis');

      dev.child.kill('SIGINT');
      assert.equal((await dev.ended()).code, 0, dev.stderr);
    });
  });

  test('`tuneflow status` with no dev server running says so instead of starting one', async () => {
    await withHome(async (home) => {
      const status = home.run(['status', 'no-such-session']);
      assert.equal((await status.ended()).code, 2, status.stderr);
      assert.match(status.stderr, /No Temporal dev server is running for .*; start one with `tuneflow dev` or run a session/);
      assert.deepEqual(home.temporalServers(), []);
    });
  });

  test('a read command interrupted while it starts the local Redis stops that Redis on its way out', async () => {
    await withHome(async (home) => {
      const workers = home.run(['workers']);
      const lock = path.join(home.redisFolder, 'redis.lock');
      for (let i = 0; i < 500 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(fs.existsSync(lock), 'the command started the local Redis');
      workers.child.kill('SIGINT');
      assert.equal((await workers.ended()).code, 130, workers.stderr);
      for (let i = 0; i < 100 && home.redisServers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(home.redisServers(), [], 'no Redis outlives the command that started it');
    });
  });

  test('TEMPORAL_ADDRESS without REDIS_URL and no local stack: exit 2 asking for the fleet\'s trial store', async () => {
    await withHome(async (home) => {
      const campaign = makeCampaign(SMA_GRID);
      for (const args of [['run', campaign.config], ['worker'], ['results', 'any-session']]) {
        const command = home.run(args, { TEMPORAL_ADDRESS: address });
        assert.equal((await command.ended()).code, 2, command.stderr);
        assert.match(command.stderr, /TEMPORAL_ADDRESS is set but REDIS_URL is not.*REDIS_URL must name the trial store shared by the whole fleet/);
        assert.deepEqual(home.redisServers(), [], `${args[0]} starts no Redis of its own`);
      }
    });
  });

  test('SIGTERM stops a run on an external cluster at once with the line that attaches again', async () => {
    await withHome(async (home) => {
      const campaign = makeCampaign(SMA_GRID);
      const sessionId = uniqueId('detached');
      // No worker polls this task queue: the session waits on the cluster while the run watches it.
      const run = home.run(['run', campaign.config, '--session-id', sessionId], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: uniqueId('tq') });
      await run.waitFor(/Started session/);
      const signalled = Date.now();
      run.child.kill('SIGTERM');
      const end = await run.ended(10_000);
      assert.ok(Date.now() - signalled < 5000, `exited ${Date.now() - signalled} ms after SIGTERM`);
      assert.equal(end.code, 130, run.stderr);
      assert.ok(
        run.stderr.includes(`Interrupted. Session ${sessionId} keeps running on the fleet; attach again with: tuneflow run ${campaign.config} --session-id ${sessionId}`),
        run.stderr,
      );
      const { client, close } = await connectTestClient(address);
      try {
        const handle = client.workflow.getHandle(sessionId);
        assert.equal((await handle.describe()).status.name, 'RUNNING', 'the session itself goes on');
        await handle.terminate('test over');
      } finally {
        await close();
      }
    });
  });

  test('an embedded run drains on the first signal and exits at once on the second, printing the resume line both times', async () => {
    await withHome(async (home) => {
      // Trials of two seconds each: a signal finds some running, so draining takes a while.
      const campaign = makeCampaign(`evaluator:
  command: ['${process.execPath}', '-e', 'setTimeout(() => console.log(JSON.stringify({ sharpe: 1 })), 2000)']
params:
  x: { type: int, low: 1, high: 100 }
objective: sharpe
search: { algorithm: random, trials: 20, parallelism: 2 }
`);
      const resume = new RegExp(`Interrupted\\. Session (\\S+) is safe; continue it with: tuneflow run ${campaign.config} --session-id \\1`);
      const first = home.run(['run', campaign.config]);
      const [, sessionId] = await first.waitFor(/Started session (\S+) /);
      await new Promise((r) => setTimeout(r, 1000));
      first.child.kill('SIGINT');
      assert.equal((await first.ended()).code, 130, first.stderr);
      assert.match(first.stderr, resume);
      assert.deepEqual(home.temporalServers(), [], 'the services stopped with their last user');

      const again = home.run(['run', campaign.config, '--session-id', sessionId]);
      await again.waitFor(/attaching to it/);
      await new Promise((r) => setTimeout(r, 1000));
      again.child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      again.child.kill('SIGINT');
      assert.equal((await again.ended()).code, 130, again.stderr);
      assert.ok(Date.now() - signalled < 1000, `exited ${Date.now() - signalled} ms after the second signal`);
      assert.match(again.stderr, resume);
    });
  });

  test('no Temporal at TEMPORAL_ADDRESS: exit 2 within seconds, naming the address', async () => {
    await withHome(async (home) => {
      const campaign = makeCampaign(SMA_GRID);
      const refused = `127.0.0.1:${await closedPort()}`;
      // Accepts connections and never answers: only the connection's deadline ends the wait.
      const silent = net.createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const mute = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      try {
        for (const [target, args] of [[refused, ['run', campaign.config]], [mute, ['status', 'any-session']]] as const) {
          const started = Date.now();
          const command = home.run([...args], { TEMPORAL_ADDRESS: target, REDIS_URL: redisUrl });
          assert.equal((await command.ended(20_000)).code, 2, command.stderr);
          assert.ok(Date.now() - started < 15_000, `${args[0]} gave up after ${Date.now() - started} ms`);
          assert.match(command.stderr, new RegExp(`^tuneflow: Cannot reach Temporal at ${target} \\(namespace default\\): .*TEMPORAL_ADDRESS`, 'm'));
        }
      } finally {
        silent.close();
      }
    });
  });
});

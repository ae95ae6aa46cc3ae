import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { DryRunReport } from '../../cli/dryRun';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { withHome } from '../helpers/localStack';
import { closedPort } from '../helpers/ports';
import { connectTestClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** Every file and folder under `dir`, with its size and modification time: what a command must leave as it was. */
function snapshot(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((name) => {
      const stat = fs.statSync(path.join(dir, name));
      return `${name} ${stat.isDirectory() ? 'dir' : stat.size} ${stat.mtimeMs}`;
    })
    .sort();
}

/** Programs named like the servers tuneflow starts, that leave a mark when anything runs them. */
function markingPrograms(names = ['temporal', 'redis-server']): { bin: string; ran: () => string[] } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-fake-bin-'));
  for (const name of names) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\ntouch "${bin}/ran-${name}"\n`, { mode: 0o755 });
  }
  return { bin, ran: () => fs.readdirSync(bin).filter((name) => name.startsWith('ran-')) };
}

describe('tuneflow run --dry-run', () => {
  test('with no local stack: says what it would start, and starts, runs and writes nothing', async () => {
    await withHome(async (home) => {
      const campaign = makeCampaign(SMA_GRID);
      const programs = markingPrograms();
      const env = { TEMPORAL_CLI_PATH: path.join(programs.bin, 'temporal'), PATH: `${programs.bin}${path.delimiter}${process.env.PATH}` };
      const before = { home: snapshot(home.dir), campaign: snapshot(campaign.dir) };

      const dry = home.run(['run', campaign.config, '--dry-run', '--session-id', 'dry-one'], env);
      assert.equal((await dry.ended()).code, 0, dry.stderr);
      const lines = dry.stdout.trimEnd().split('\n');
      assert.match(lines[0], /^Dry run of .*campaign\.yaml: every check passed; nothing was started or written\.$/);
      assert.match(dry.stdout, /^Session +dry-one: new; would be started and followed to its end$/m);
      assert.match(dry.stdout, /^Search +grid over fast, slow: 24 trials, parallelism 8, batches auto, seed 42, maximize sharpe$/m);
      assert.match(dry.stdout, /^Evaluator sma_crossover on .*prices\.csv \(600 bars, 2015-01-05 to /m);
      assert.ok(dry.stdout.includes(`Temporal  no local dev server runs; would start one with ${programs.bin}/temporal on ${home.temporalDb}`), dry.stdout);
      assert.ok(dry.stdout.includes(`Redis     no local Redis runs; would start ${programs.bin}/redis-server on ${home.redisFolder}`), dry.stdout);
      assert.match(dry.stdout, /^Workers +a worker in this process: \d+ backtest threads? \(the cores\), 8 trial activities at once$/m);

      const json = home.run(['run', campaign.config, '--dry-run', '--detach', '--json'], env);
      assert.equal((await json.ended()).code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as DryRunReport;
      assert.deepEqual(report.temporal, { how: 'start', cli: path.join(programs.bin, 'temporal'), db: home.temporalDb });
      assert.equal(report.session, 'new');
      assert.equal(report.search.trials, 24);

      assert.deepEqual(programs.ran(), [], 'neither server program was run, not even for its version');
      assert.deepEqual(home.leftovers(), [], 'no process on the home');
      assert.deepEqual(snapshot(home.dir), before.home, 'nothing written under TUNEFLOW_HOME');
      assert.deepEqual(snapshot(campaign.dir), before.campaign, 'no output folder, nothing next to the config');
      fs.rmSync(programs.bin, { recursive: true, force: true });
    });
  });

  test('a bad data path or no Temporal CLI ends in exit 2, and nothing is written', async () => {
    await withHome(async (home) => {
      const campaign = makeCampaign(SMA_GRID);
      const before = { home: snapshot(home.dir), campaign: snapshot(campaign.dir) };
      fs.writeFileSync(campaign.config, fs.readFileSync(campaign.config, 'utf8').replace('data: prices.csv', 'data: missing.csv'));
      const badData = home.run(['run', campaign.config, '--dry-run']);
      assert.equal((await badData.ended()).code, 2, badData.stderr);
      assert.match(badData.stderr, /^tuneflow: .*campaign\.yaml: `data`: data file .*missing\.csv does not exist/);
      assert.equal(badData.stdout, '');

      fs.writeFileSync(campaign.config, fs.readFileSync(campaign.config, 'utf8').replace('data: missing.csv', 'data: prices.csv'));
      const redisOnly = markingPrograms(['redis-server']);
      const noCli = home.run(['run', campaign.config, '--dry-run'], { TEMPORAL_CLI_PATH: '', PATH: redisOnly.bin });
      assert.equal((await noCli.ended()).code, 2, noCli.stderr);
      assert.match(noCli.stderr, /^tuneflow: No local Temporal dev server runs for .*, and no Temporal CLI to start one was found/);
      assert.equal(noCli.stderr.trim().split('\n').length, 1, 'one paragraph');
      assert.deepEqual(redisOnly.ran(), []);
      fs.rmSync(redisOnly.bin, { recursive: true, force: true });
      assert.deepEqual(snapshot(home.dir), before.home);
      assert.equal(fs.existsSync(path.join(campaign.dir, 'outputs')), false);
    });
  });
});

describe('tuneflow run --dry-run on data settings', () => {
  const parquet = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'data', 'new_york_15min.parquet');

  test('a Parquet file at a timeframe: names the bars the trials would see; bad data settings exit 2, writing nothing', async () => {
    await withHome(async (home) => {
      const campaign = makeCampaign(SMA_GRID);
      const programs = markingPrograms();
      const env = { TEMPORAL_CLI_PATH: path.join(programs.bin, 'temporal'), PATH: `${programs.bin}${path.delimiter}${process.env.PATH}` };
      const withData = (data: string) => fs.writeFileSync(campaign.config, fs.readFileSync(campaign.config, 'utf8').replace(/^data: .*$/m, `data: ${data}`));
      const before = { home: snapshot(home.dir), campaign: snapshot(campaign.dir) };

      withData(`{ path: ${parquet}, timeframe: 1h }`);
      const dry = home.run(['run', campaign.config, '--dry-run', '--session-id', 'dry-parquet'], env);
      assert.equal((await dry.ended()).code, 0, dry.stderr);
      assert.match(dry.stdout, /^Evaluator sma_crossover on .*new_york_15min\.parquet \(280 1h bars in America\/New_York, 2024-02-26 09:00:00-05:00 to 2024-11-15 15:00:00-05:00\)$/m);

      const cases: Array<[string, RegExp]> = [
        [`{ path: ${parquet}, timeframe: 5min }`, /new_york_15min\.parquet: the timeframe 5min is finer than the data, whose bars are 15min apart/],
        [`{ path: ${parquet}, timezone: Mars/Olympus }`, /campaign\.yaml: `data\.timezone`: time zone "Mars\/Olympus" is not one of the tz database/],
        [`{ path: ${parquet}, timeframe: 1 day }`, /campaign\.yaml: `data\.timeframe`: timeframe "1 day" is not one tuneflow resamples to/],
      ];
      for (const [data, message] of cases) {
        withData(data);
        const bad = home.run(['run', campaign.config, '--dry-run'], env);
        assert.equal((await bad.ended()).code, 2, bad.stderr);
        assert.match(bad.stderr, message);
        assert.equal(bad.stderr.trim().split('\n').length, 1, 'one paragraph');
        assert.equal(bad.stdout, '');
      }
      withData('prices.csv');
      assert.deepEqual(programs.ran(), []);
      assert.deepEqual(home.leftovers(), [], 'no process on the home');
      assert.deepEqual(snapshot(home.dir), before.home, 'nothing written under TUNEFLOW_HOME');
      assert.deepEqual(snapshot(campaign.dir).filter((f) => !f.startsWith('campaign.yaml')), before.campaign.filter((f) => !f.startsWith('campaign.yaml')), 'no outputs');
      fs.rmSync(programs.bin, { recursive: true, force: true });
    });
  });
});

describe('tuneflow run --dry-run against running services', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };

  test('a cluster: the session id\'s state on it and the workers polling its queue; an ended one exits 2', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const taskQueue = uniqueId('tq');
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue };
    const dryRun = async (sessionId: string) => {
      const result = await tuneflow(['run', campaign.config, '--dry-run', '--session-id', sessionId], env);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout;
    };

    const fresh = await dryRun(uniqueId('fresh'));
    assert.match(fresh, /^Session +fresh-\w+: new; would be started and followed to its end$/m);
    assert.ok(fresh.includes(`Temporal  ${address}, namespace default (TEMPORAL_ADDRESS): answers`), fresh);
    assert.ok(fresh.includes(`Redis     ${redisUrl} (REDIS_URL): answers`), fresh);
    assert.ok(fresh.includes(`no worker polled task queue ${taskQueue} in the last two minutes: the session would wait for one`), fresh);

    const finished = uniqueId('finished');
    const polled = await withWorker({ address, redisUrl, taskQueue }, async () => {
      const run = await tuneflow(['run', campaign.config, '--session-id', finished], env);
      assert.equal(run.code, 0, run.stderr);
      return dryRun(finished);
    });
    assert.match(polled, /^Session +finished-\w+: already finished; run would print its result$/m);
    assert.ok(polled.includes(`1 worker polled task queue ${taskQueue} in the last two minutes`), polled);

    const waiting = uniqueId('waiting');
    const detached = await tuneflow(['run', campaign.config, '--session-id', waiting, '--detach'], { ...env, TUNEFLOW_TASK_QUEUE: uniqueId('nobody') });
    assert.equal(detached.code, 0, detached.stderr);
    assert.match(await dryRun(waiting), /^Session +waiting-\w+: already running; run would attach to it/m);
    const { client, close } = await connectTestClient(address);
    try {
      await client.workflow.getHandle(waiting).terminate('test over');
    } finally {
      await close();
    }
    const ended = await tuneflow(['run', campaign.config, '--dry-run', '--session-id', waiting], env);
    assert.equal(ended.code, 2, ended.stderr);
    assert.match(ended.stderr, /^tuneflow: Session waiting-\w+ already ended as TERMINATED on .*; `tuneflow run` would stop/);

    const noRedis = `redis://127.0.0.1:${await closedPort()}`;
    const unreachable = await tuneflow(['run', campaign.config, '--dry-run'], { ...env, REDIS_URL: noRedis });
    assert.equal(unreachable.code, 2, unreachable.stderr);
    assert.ok(unreachable.stderr.startsWith(`tuneflow: Cannot reach Redis at ${noRedis}`), unreachable.stderr);
    assert.deepEqual(fs.readdirSync(path.join(campaign.dir, 'outputs')), [finished], 'the dry runs wrote nothing; only the real run wrote outputs');
  });

  test('a running local stack is looked up, never joined', async () => {
    await withHome(async (home) => {
      const dev = home.run(['dev']);
      const [, temporalAddress] = await dev.waitFor(/TEMPORAL_ADDRESS=(\S+)/);
      const [, devRedis] = await dev.waitFor(/REDIS_URL=(\S+)/);
      const users = () => snapshot(path.join(home.dir, 'temporal', 'dev.users')).concat(snapshot(path.join(home.redisFolder, 'redis.users')));
      const usersDirs = () => [path.join(home.dir, 'temporal', 'dev.users'), path.join(home.redisFolder, 'redis.users')].map((d) => fs.statSync(d).mtimeMs);
      const before = { users: users(), dirs: usersDirs() };
      const campaign = makeCampaign(SMA_GRID);

      const dry = home.run(['run', campaign.config, '--dry-run']);
      assert.equal((await dry.ended()).code, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`^Temporal  the local dev server at ${temporalAddress} \\(pid ${home.temporalServers()[0]}\\): running, would be joined$`, 'm'));
      assert.match(dry.stdout, new RegExp(`^Redis     the local Redis at ${devRedis} \\(pid ${home.redisServers()[0]}\\): running, would be joined$`, 'm'));
      assert.match(dry.stdout, /^Session +campaign-\S+: new; would be started/m);
      assert.deepEqual(users(), before.users, 'no user file added');
      assert.deepEqual(usersDirs(), before.dirs, 'no user file added and removed');
      assert.deepEqual(snapshot(campaign.dir).map((line) => line.split(' ')[0]), ['campaign.yaml', 'prices.csv']);

      dev.child.kill('SIGINT');
      assert.equal((await dev.ended()).code, 0, dev.stderr);
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRedisUrl, redactUrl } from '../../store/redis/url';
import { InputError } from '../../errors';

describe('Redis URLs', () => {
  it('name one node unless they say cluster', () => {
    assert.deepEqual(parseRedisUrl('redis://:pw@h:6379/2'), { kind: 'node', url: 'redis://:pw@h:6379/2' });
    assert.deepEqual(parseRedisUrl('rediss://h'), { kind: 'node', url: 'rediss://h' });
  });

  it('name a cluster by its seed nodes, with credentials and TLS as for one node', () => {
    assert.deepEqual(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001'), {
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    assert.deepEqual(parseRedisUrl('rediss+cluster://app:p%40ss:w@redis.internal,[::1]:7002/'), {
      kind: 'cluster',
      nodes: [
        { host: 'redis.internal', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 'p@ss:w',
      tls: true,
    });
    assert.deepEqual(parseRedisUrl('redis+cluster://:secret@h:7000'), { kind: 'cluster', nodes: [{ host: 'h', port: 7000 }], password: 'secret', tls: false });
  });

  it('refuse a cluster URL with a database, a query or a bad node, without showing the password', () => {
    for (const url of ['redis+cluster://:secret@h:7000/1', 'redis+cluster://:secret@h:7000?db=1', 'redis+cluster://:secret@h:70000', 'redis+cluster://:secret@h:7000,']) {
      assert.throws(
        () => parseRedisUrl(url),
        (err: Error) => err instanceof InputError && /redis\+cluster:\/\/\[user:password@\]host:port/.test(err.message) && !err.message.includes('secret'),
        url,
      );
    }
  });

  it('hide passwords, parsable or not, and keep a cluster\'s nodes', () => {
    assert.equal(redactUrl('redis://user:secret@h:6379/2'), 'redis://user:***@h:6379/2');
    assert.equal(redactUrl('redis://h:6379'), 'redis://h:6379');
    assert.equal(redactUrl('not a url //user:secret@h'), 'not a url //***@h');
    assert.equal(redactUrl('rediss+cluster://app:s3cr@t@h1:7000,h2:7001'), 'rediss+cluster://app:***@h1:7000,h2:7001');
    assert.equal(redactUrl('redis+cluster://:secret@h1:7000,h2:7001'), 'redis+cluster://:***@h1:7000,h2:7001');
    assert.equal(redactUrl('redis+cluster://h1:7000,h2:7001'), 'redis+cluster://h1:7000,h2:7001');
    assert.ok(!redactUrl('redis+cluster://:secret@h:7000/1').includes('secret'));
  });
});

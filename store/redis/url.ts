import { InputError } from '../../errors';

/**
 * What a Redis URL names. A Redis Cluster is `redis+cluster://` (`rediss+cluster://` for TLS), credentials as for
 * one node, then seed nodes separated by commas: `redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7000`. One seed is
 * enough, since the client learns the other nodes from it; several let it start while one is down. A cluster has
 * database 0 only, so the URL takes no path. Any other URL names a single node and goes to ioredis as it is.
 */
export type RedisTarget =
  | { kind: 'node'; url: string }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean };

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//i;
// The user info runs to the last `@`, as in any URL; the node list holds none.
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:(.*)@)?([^@/?#]+)\/?$/i;

export function parseRedisUrl(url: string): RedisTarget {
  if (!CLUSTER_SCHEME.test(url)) return { kind: 'node', url };
  const match = CLUSTER_URL.exec(url);
  const bad = (why: string) =>
    new InputError(`REDIS_URL ${redactUrl(url)} ${why}: a Redis Cluster is named as redis+cluster://[user:password@]host:port[,host:port…] (rediss+cluster:// for TLS).`);
  if (!match) throw bad('has a path or query');
  const [, scheme, userInfo, hostList] = match;
  const nodes = hostList.split(',').map((entry) => {
    let parsed: URL;
    try {
      parsed = new URL(`redis://${entry.trim()}`);
    } catch {
      throw bad(`has an invalid node "${entry}"`);
    }
    if (!parsed.hostname) throw bad(`has an empty node "${entry}"`);
    return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 6379) };
  });
  const colon = userInfo?.indexOf(':') ?? -1;
  const username = userInfo === undefined ? '' : decodeURIComponent(colon < 0 ? userInfo : userInfo.slice(0, colon));
  const password = userInfo === undefined || colon < 0 ? '' : decodeURIComponent(userInfo.slice(colon + 1));
  return {
    kind: 'cluster',
    nodes,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    tls: scheme.toLowerCase() === 'rediss',
  };
}

/** The URL with its password replaced by `***`, for messages and logs; a cluster URL keeps its node list. */
export function redactUrl(url: string): string {
  const cluster = CLUSTER_URL.exec(url);
  if (cluster?.[2]?.includes(':')) return url.replace(`${cluster[2]}@`, `${cluster[2].slice(0, cluster[2].indexOf(':'))}:***@`);
  if (cluster) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}

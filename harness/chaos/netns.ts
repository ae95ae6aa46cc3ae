import { isAlive, run, whichSync } from '../../services/processes';

/** A network namespace joined to the host by a veth pair: what runs inside reaches the host only through it. */
export interface Netns {
  name: string;
  /** The host end of the pair, the one a partition takes down. */
  hostLink: string;
  /** The host's address on the pair: servers listening here (or on 0.0.0.0) are reachable from inside. */
  hostIp: string;
  down(): void;
  up(): void;
  /** Deletes the namespace and the pair; safe to call twice. */
  remove(): void;
}

const PREFIX = 'tuneflow-chaos';

function ip(args: string[]): string {
  const result = run('ip', args, { timeoutMs: 15_000 });
  if (!result.ok) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Why namespaces cannot be made here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'network namespaces need root';
  if (!whichSync('ip')) return 'the `ip` command (iproute2) is not on PATH';
  return null;
}

/** Interface names are limited to 15 characters, so they carry the owner's pid in base 36. */
function linkName(pid: number, n: number): string {
  return `tfc${pid.toString(36)}${n}h`;
}

/**
 * Deletes namespaces (and their veth pairs) left behind by chaos runs whose process is gone, e.g. after a
 * SIGKILL of the runner, so stale pairs never hold addresses a new run wants.
 */
export function removeStaleNetns(): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const match = /^tuneflow-chaos-(\d+)-(\d+)/.exec(line.trim());
    if (!match || isAlive(Number(match[1]))) continue;
    run('ip', ['netns', 'del', `${PREFIX}-${match[1]}-${match[2]}`]);
    run('ip', ['link', 'del', linkName(Number(match[1]), Number(match[2]))]);
  }
}

/** A /30 in 10.213.0.0/16 that no interface of this host uses yet, picked from the pid so parallel runs differ. */
function freeSubnet(n: number): [string, string] {
  const used = ip(['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 16384; i++) {
    const block = (process.pid * 7 + n + i) % 16384;
    const base = block * 4;
    const host = `10.213.${base >> 8}.${(base & 255) + 1}`;
    const inside = `10.213.${base >> 8}.${(base & 255) + 2}`;
    if (!used.includes(` ${host}/`) && !used.includes(` ${inside}/`)) return [host, inside];
  }
  throw new Error('no free /30 in 10.213.0.0/16 for the veth pair');
}

let created = 0;

/** Creates a namespace with loopback up and a veth pair to the host, both ends up. */
export function createNetns(): Netns {
  const n = created++;
  const name = `${PREFIX}-${process.pid}-${n}`;
  const hostLink = linkName(process.pid, n);
  const innerLink = hostLink.replace(/h$/, 'n');
  const [hostIp, innerIp] = freeSubnet(n);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    run('ip', ['netns', 'del', name]);
    // The pair outlives the namespace while a process still runs inside; deleting one end deletes both.
    run('ip', ['link', 'del', hostLink]);
  };
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', innerLink]);
    ip(['link', 'set', innerLink, 'netns', name]);
    ip(['addr', 'add', `${hostIp}/30`, 'dev', hostLink]);
    ip(['link', 'set', hostLink, 'up']);
    ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${innerIp}/30`, 'dev', innerLink]);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', innerLink, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    remove();
    throw err;
  }
  return {
    name,
    hostLink,
    hostIp,
    down: () => void ip(['link', 'set', hostLink, 'down']),
    up: () => void ip(['link', 'set', hostLink, 'up']),
    remove,
  };
}

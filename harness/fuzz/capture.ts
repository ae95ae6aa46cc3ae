/** What a call wrote to stdout and stderr, and any attempt to end the process. */
export interface Captured {
  stdout: string;
  stderr: string;
  /** Exit codes passed to process.exit, which the CLI must never call in-process. */
  exitCalls: number[];
}

type Write = typeof process.stdout.write;

/**
 * Runs `fn` with process.stdout/stderr writes (and so console output) collected instead of printed, and
 * process.exit turned into an exception, so one in-process CLI call can be judged by its output alone.
 * The originals are back before this returns, also when `fn` never settles and the caller gives up.
 */
export function captureOutput<T>(fn: () => Promise<T>): { result: Promise<T>; captured: Captured; restore(): void } {
  const captured: Captured = { stdout: '', stderr: '', exitCalls: [] };
  const original = { out: process.stdout.write, err: process.stderr.write, exit: process.exit };
  const collect = (key: 'stdout' | 'stderr'): Write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    }) as Write;
  process.stdout.write = collect('stdout');
  process.stderr.write = collect('stderr');
  process.exit = ((code?: number | string | null) => {
    captured.exitCalls.push(Number(code ?? 0));
    throw new Error(`process.exit(${String(code ?? '')}) called`);
  }) as typeof process.exit;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.stdout.write = original.out;
    process.stderr.write = original.err;
    process.exit = original.exit;
  };
  let result: Promise<T>;
  try {
    result = fn();
  } catch (err) {
    result = Promise.reject(err);
  }
  return { result, captured, restore };
}

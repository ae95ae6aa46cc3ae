/** Resolves after `ms`, or rejects at once when `signal` aborts (the run is being stopped). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `check` every `everyMs` until it returns true and resolves with when it did (epoch ms), or with null
 * once `capMs` has passed. A check that throws (a service that is down) counts as false.
 */
export async function pollUntil(check: () => Promise<boolean>, opts: { everyMs: number; capMs: number; signal?: AbortSignal }): Promise<number | null> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now();
    if (Date.now() - started > opts.capMs) return null;
    await sleep(opts.everyMs, opts.signal);
  }
}

/**
 * Runs `fn` with a signal of its own that `signal` aborts, unlinked once `fn` settles: the Temporal client adds
 * an abort listener per call and never removes it, which must not pile up on the run's long-lived signal.
 */
export async function withLinkedSignal<T>(signal: AbortSignal, fn: (local: AbortSignal) => Promise<T>): Promise<T> {
  const local = new AbortController();
  const onAbort = () => local.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(local.signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** SIGINT and SIGTERM as a command that handles them itself sees them. */
export interface Interrupts {
  /** Resolves on the first signal. */
  readonly first: Promise<NodeJS.Signals>;
  readonly received: boolean;
  /** Gives the signals back to their default handling. */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM: the first resolves `first`, the second calls `onSecond`, which must end
 * the process (a second Ctrl-C means "now").
 */
export function watchInterrupts(onSecond: (signal: NodeJS.Signals) => never): Interrupts {
  let count = 0;
  let resolveFirst: (signal: NodeJS.Signals) => void = () => undefined;
  const first = new Promise<NodeJS.Signals>((resolve) => {
    resolveFirst = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count === 1) resolveFirst(signal);
    else onSecond(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    first,
    get received() {
      return count > 0;
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

import { InvalidArgumentError } from 'commander';
import { sessionIdProblem, shownSessionId } from '../config/limits';

/** Commander parsers that turn a bad flag value into a one-line message and exit code 2. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number of at least 1, got "${value}".`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (value: string): number => {
    // Number('') is 0: an empty value must not pass as a seed of 0.
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} takes a whole number of at least 0, got "${value}".`);
    return n;
  };
}

/** A TCP port to listen on, 1 to 65535. */
export function portNumber(flag: string) {
  return (value: string): number => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`${flag} takes a TCP port from 1 to 65535, got "${value}".`);
    return n;
  };
}

export function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${flag} takes one of ${choices.join(', ')}, got "${value}".`);
    }
    return value as T;
  };
}

/** A `<session>` argument: refused as `--session-id` would be, before any server is asked about it. */
export function sessionIdArgument(value: string): string {
  const problem = sessionIdProblem(value);
  if (problem) throw new InvalidArgumentError(`session id "${shownSessionId(value)}": ${problem}.`);
  return value;
}

/** A `<session>` argument that may also name a walk-forward split, `<session>/split-<k>`: a session of its own. */
export function sessionOrSplitArgument(value: string): string {
  const split = /^(.*)\/split-[1-9]\d{0,5}$/.exec(value);
  sessionIdArgument(split ? split[1] : value);
  return value;
}

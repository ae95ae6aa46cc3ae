import fc from 'fast-check';
import { sometimes } from './sometimes';
import { CASE_DIR, DATA_FILE, combine, type Expectation } from './types';

/** Command-line words and what they alone make of an otherwise valid command. */
export interface Flags {
  args: string[];
  expect: Expectation;
  note: string;
}

/** A flag with each of its values, and with only those not refused on their own. */
function flag(name: string, values: Array<[string, Expectation]>): { all: fc.Arbitrary<Flags>; valid: fc.Arbitrary<Flags> } {
  const of = (list: Array<[string, Expectation]>) =>
    fc.constantFrom(...list).map(([value, expect]): Flags => ({ args: [name, value], expect, note: `${name} ${JSON.stringify(value).slice(0, 40)}` }));
  return { all: of(values), valid: of(values.filter(([, expect]) => expect !== 'error')) };
}

const sessionId = flag('--session-id', [
  ['run-1', 'ok'],
  ['A.b_c-9', 'ok'],
  ['a'.repeat(128), 'ok'],
  ['', 'error'],
  ['.', 'error'],
  ['..', 'error'],
  ['a'.repeat(129), 'error'],
  ['a'.repeat(300), 'error'],
  ['a'.repeat(5000), 'error'],
  ['séance', 'error'],
  ['数据', 'error'],
  ['a/b', 'error'],
  ['../escape', 'error'],
  ['-leading-dash', 'error'],
  ['a b', 'error'],
  ['a\nb', 'error'],
  ['\n\nx', 'error'],
  ['a\u0000b', 'error'],
  ['\u001b[2Jclear', 'error'],
  ['undefined', 'ok'],
  ['__proto__', 'error'],
  ['constructor', 'ok'],
]);

const trials = flag('--trials', [
  ['1', 'ok'],
  ['10', 'ok'],
  ['100000000', 'ok'],
  ['0', 'error'],
  ['-1', 'error'],
  ['1e12', 'error'],
  ['100000001', 'error'],
  ['1.5', 'error'],
  ['abc', 'error'],
  ['', 'error'],
  ['NaN', 'error'],
  ['Infinity', 'error'],
  ['1e400', 'error'],
  ['0x10', 'any'],
  [' 3', 'any'],
  ['9007199254740993', 'error'],
]);

const seed = flag('--seed', [
  ['0', 'ok'],
  ['42', 'ok'],
  ['9007199254740991', 'ok'],
  ['-1', 'error'],
  ['1e30', 'error'],
  ['1.5', 'error'],
  ['9007199254740993', 'error'],
  ['seed', 'error'],
  ['', 'error'],
  ['-0', 'any'],
]);

const parallelism = flag('--parallelism', [
  ['1', 'ok'],
  ['8', 'ok'],
  ['500', 'ok'],
  ['0', 'error'],
  // Fine with auto batches (at most 500 activities in flight), refused with a small trial.batch.
  ['501', 'any'],
  ['100000', 'any'],
  ['100001', 'error'],
  ['-3', 'error'],
  ['2.5', 'error'],
  ['many', 'error'],
]);

// Valid names, but a grid needs a finite space and the others a budget, which the campaign may lack.
const algorithm = flag('--algorithm', [
  ['grid', 'any'],
  ['random', 'any'],
  ['tpe', 'any'],
  ['cmaes', 'any'],
  ['genetic', 'any'],
  ['qmc', 'any'],
  ['GRID', 'error'],
  ['', 'error'],
  ['optuna', 'error'],
  ['__proto__', 'error'],
  ['constructor', 'error'],
]);

const output = flag('--output', [
  [`${CASE_DIR}/outputs`, 'ok'],
  [`${CASE_DIR}/outputs/new/nested`, 'ok'],
  [`${CASE_DIR}/out put ü`, 'ok'],
  ['/etc/passwd', 'error'],
  ['/etc/passwd/sub', 'error'],
  [`${CASE_DIR}/${DATA_FILE}`, 'error'],
  [`${CASE_DIR}/${DATA_FILE}/sub`, 'error'],
  ['/dev/null', 'error'],
  ['', 'any'],
  [`${CASE_DIR}/${'x'.repeat(300)}`, 'error'],
  ['\u0000', 'error'],
]);

/** Flags that are not values of a known flag: unknown, misspelt, repeated, or an extra argument. */
const other = fc.constantFrom<Flags>(
  { args: ['--bogus'], expect: 'error', note: 'unknown flag --bogus' },
  { args: ['-x'], expect: 'error', note: 'unknown flag -x' },
  { args: ['--trial', '5'], expect: 'error', note: 'misspelt flag --trial' },
  { args: ['--SEED', '1'], expect: 'error', note: 'flag in capitals' },
  { args: ['--json'], expect: 'ok', note: '--json' },
  { args: ['--json', '--json'], expect: 'ok', note: '--json twice' },
  { args: ['extra-argument'], expect: 'error', note: 'an extra argument' },
);

const flags = [sessionId, trials, seed, parallelism, algorithm, output];
/** Flags of `tuneflow check` (and `run`): values valid and not, unknown and repeated flags. */
const checkFlag = fc.oneof(...flags.map((f) => f.all), other);
const validCheckFlag = fc.oneof(...flags.map((f) => f.valid), fc.constant<Flags>({ args: ['--json'], expect: 'ok', note: '--json' }));

/** A flag that takes a value, given last without one. */
const missingValue = fc.constantFrom('--session-id', '--trials', '--seed', '--parallelism', '--algorithm', '--output');

/**
 * The flags with their verdicts as the command sees them: of a flag given twice only the last value is
 * kept, but a flag's parser sees every value and may refuse an earlier one, so those decide nothing.
 */
export function lastWins(parts: Flags[]): Flags[] {
  return parts.map((p, k) =>
    p.args[0] !== '--param' && p.expect === 'error' && parts.slice(k + 1).some((q) => q.args[0] === p.args[0]) ? { ...p, expect: 'any' } : p,
  );
}

function joined(parts: Flags[], last: string | null): Flags {
  return {
    args: [...parts.flatMap((p) => p.args), ...(last ? [last] : [])],
    expect: last ? 'error' : combine(...lastWins(parts).map((p) => p.expect)),
    note: [...parts.map((p) => p.note), ...(last ? [`${last} without a value`] : [])].join(', ') || 'no flags',
  };
}

/** Up to four flags, any of them invalid, perhaps one without its value at the end. */
export const checkFlags: fc.Arbitrary<Flags> = fc
  .tuple(fc.array(checkFlag, { minLength: 1, maxLength: 4 }), sometimes(missingValue, 0.1))
  .map(([parts, last]) => joined(parts, last));

/** Up to three flags, none with a value refused on its own. */
export const validCheckFlags: fc.Arbitrary<Flags> = fc.array(validCheckFlag, { maxLength: 3 }).map((parts) => joined(parts, null));

/** Flags and `--help`: commander prints the help, or first refuses a flag before it. */
export const withHelp: fc.Arbitrary<Flags> = fc
  .array(checkFlag, { maxLength: 2 })
  .map((parts) => ({ args: [...parts.flatMap((p) => p.args), '--help'], expect: 'any' as const, note: [...parts.map((p) => p.note), '--help'].join(', ') }));

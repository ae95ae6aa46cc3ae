import fc from 'fast-check';
import type { Json, JsonObject } from './campaign';
import { CASE_DIR, DATA_FILE, type Expectation, type FileSpec } from './types';

/**
 * A change to a valid campaign object. `expect` is what the change alone makes of a valid campaign:
 * `error` when it must be refused, `keep` when it leaves a valid campaign valid, `any` when it depends.
 */
export interface ObjectMutation {
  note: string;
  expect: Expectation | 'keep';
  /** Changes `config` in place; returns what it changed when the note cannot know it beforehand. */
  apply(config: JsonObject): string | void;
  /** Files the mutated campaign refers to (a FIFO or folder as strategy module). */
  files?: FileSpec[];
  /** A flag that replaces the changed setting, making the change moot when given. */
  overriddenBy?: string;
}

type Path = Array<string | number>;

const isObject = (v: Json | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every path below the root, parents before children, in key order. */
function paths(value: Json, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...at, k], ...paths(v, [...at, k])]);
}

function valueAt(root: JsonObject, path: Path): Json {
  let node: Json = root;
  for (const k of path) node = (node as Record<string | number, Json>)[k];
  return node;
}

function parentOf(root: JsonObject, path: Path): { parent: Json[] | JsonObject; key: string | number } {
  return { parent: valueAt(root, path.slice(0, -1)) as Json[] | JsonObject, key: path[path.length - 1] };
}

function pick<T>(items: T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

const show = (p: Path) => p.join('.') || '(top level)';

/** Numbers and strings that look almost right: huge, negative, NaN-like, not numbers at all. */
const weirdNumber = fc.constantFrom<Json>(-1, 0, -0, 0.5, 1e30, -1e30, 1e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 + 2, 1e-320, 123456789);
const weirdString = fc.oneof(
  fc.constantFrom<Json>('', ' ', 'NaN', '.nan', 'Infinity', '-.inf', '1e30', '-1', '0x1F', '5,000', 'null', '~', 'yes', 'undefined', '[object Object]', '__proto__', 'constructor'),
  fc.constantFrom<Json>('a'.repeat(5000), '数据', 'é', '\u0000', 'a\nb', '\n\nx', '\u001b[31mred', '\u202Eevil', '../..', '/etc/passwd', '-x', '--help', '.', '..'),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  weirdNumber,
  weirdString,
  fc.constantFrom<Json>(true, false, null, [], {}, [[]], { a: { b: { c: null } } }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

const setAt = (path: Path, value: Json) => (config: JsonObject) => {
  const { parent, key } = parentOf(config, path);
  (parent as Record<string | number, Json>)[key] = value;
};

/** The first numeric range among the parameters, for range mutations. */
function firstRange(config: JsonObject): JsonObject | undefined {
  const params = config.params;
  if (!isObject(params)) return undefined;
  return Object.values(params).find((p): p is JsonObject => isObject(p) && typeof p.low === 'number' && typeof p.high === 'number');
}

const badDuration = fc.constantFrom<Json>('10 parsecs', '-5s', '', '1e3s', 'forever', '1h30m', 's', '5 s s', -1, Number.NaN, Number.POSITIVE_INFINITY, 'NaN', '.inf');
const durationKeys: Path[] = [['trial', 'timeout'], ['trial', 'heartbeat_timeout'], ['trial', 'retry', 'initial_interval'], ['trial', 'retry', 'maximum_interval'], ['session', 'timeout']];
const badName = fc.constantFrom<Json>('', '.', '..', 'a'.repeat(5000), 'données', 'a/b', '../x', '-x', ' x', 'x\ny', '__proto__', '\u0000', 'a b', 'name\u001b[2J');
const badData = fc.constantFrom<Json>('', '.', '..', '/', '/etc/passwd', 'missing.csv', 'outputs', '/dev/null', `${DATA_FILE}/x`, 'a\u0000b', '数据.csv', CASE_DIR, `${CASE_DIR}/outputs`, 'x'.repeat(5000));
/** Data paths to special files the mutation creates. */
const specialData = fc.constantFrom<[string, FileSpec[]]>(
  ['data.fifo', [{ kind: 'fifo', name: 'data.fifo' }]],
  ['loop.csv', [{ kind: 'symlink', name: 'loop.csv', target: 'loop.csv' }]],
  ['link.csv', [{ kind: 'fifo', name: 'data.fifo' }, { kind: 'symlink', name: 'link.csv', target: 'data.fifo' }]],
);
const badOutputDir = fc.constantFrom<Json>(`${CASE_DIR}/${DATA_FILE}`, `${CASE_DIR}/${DATA_FILE}/sub`, '/etc/passwd', '/etc/passwd/sub', '', `${CASE_DIR}/${'x'.repeat(300)}`, 'a\u0000b');
/** Keys whose value is a string, for strings a message might echo. */
const stringKeys: Path[] = [['objective'], ['strategy'], ['name'], ['data'], ['constraints'], ['session', 'task_queue'], ['output', 'dir'], ['search', 'algorithm'], ['search', 'mode'], ['trial', 'timeout'], ['walk_forward', 'train']];
const controlString = fc.constantFrom('a\n\nb', '\n\n\n', 'x\r\ny', '\u001b[2J\u001b[31mred', 'tab\there', '\u0007bell', 'a\u2028b', 'a\u0085b', 'zero\u200bwidth', '\uFEFFbom');
const prototypeName = fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__');
const junkConstraint = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    `${'('.repeat(3000)}fast${')'.repeat(3000)} < slow`,
    `${'-'.repeat(5000)}fast < slow`,
    'fast = slow',
    'fast < slow;',
    'process.exit(1)',
    'require("fs")',
    '1/0 < fast',
    'fast < slow <',
    'fast',
    '',
    'fast <> slow',
    'constructor < 1',
    'toString > 0',
    '__proto__ < 1',
    '1e400 > fast',
    'fast * 1e308 * 1e308 < slow',
    `${'fast + '.repeat(2000)}0 < slow`,
  ),
);

/** Changes of a campaign object; each names what it did. */
export const objectMutation: fc.Arbitrary<ObjectMutation> = fc.oneof(
  fc.tuple(fc.nat(), weirdValue).map(([i, value]): ObjectMutation => ({
    note: `a value set to ${JSON.stringify(value)?.slice(0, 60)}`,
    expect: 'any',
    apply(config) {
      const path = pick(paths(config), i);
      if (!path) return;
      setAt(path, value)(config);
      return `at ${show(path)}`;
    },
  })),
  fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/), weirdValue).map(([key, value]): ObjectMutation => ({
    note: `unknown top-level key x_${key}`,
    expect: 'error',
    apply: (config) => {
      config[`x_${key}`] = value;
    },
  })),
  fc.constantFrom('search', 'trial', 'output', 'backtest', 'session').map((section): ObjectMutation => ({
    note: `unknown key in ${section}`,
    expect: 'error',
    apply: (config) => {
      const existing = config[section];
      config[section] = { ...(isObject(existing) ? existing : {}), bogus_setting: 1 };
    },
  })),
  fc.tuple(fc.nat(), fc.stringMatching(/^[a-z]{1,10}$/)).map(([i, key]): ObjectMutation => ({
    note: `unknown key ${key} in a nested object`,
    expect: 'any',
    apply: (config) => {
      const objects = paths(config).filter((p) => isObject(valueAt(config, p)));
      const path = pick(objects, i);
      if (path) setAt([...path, `x_${key}`], 1)(config);
    },
  })),
  fc.nat().map((i): ObjectMutation => ({
    note: 'a key deleted',
    expect: 'any',
    apply: (config) => {
      const path = pick(paths(config), i);
      if (!path) return;
      const { parent, key } = parentOf(config, path);
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    },
  })),
  fc.constantFrom('data', 'params').map((key): ObjectMutation => ({
    note: `required key ${key} missing`,
    expect: 'error',
    apply: (config) => {
      delete config[key];
    },
  })),
  fc.constantFrom('inverted', 'zero step', 'negative step', 'empty choices', 'NaN bound', 'huge bounds').map((how): ObjectMutation => ({
    note: `range: ${how}`,
    expect: how === 'huge bounds' ? 'any' : 'error',
    apply: (config) => {
      const range = firstRange(config);
      const params = isObject(config.params) && Object.keys(config.params).length > 0 ? config.params : (config.params = { fast: 5 });
      if (how === 'empty choices') params[Object.keys(params)[0]] = { choices: [] };
      else if (!range) params[Object.keys(params)[0]] = { low: 10, high: 1 };
      else if (how === 'inverted') Object.assign(range, range.low === range.high ? { high: (range.low as number) - 1 } : { low: range.high, high: range.low });
      else if (how === 'zero step') range.step = 0;
      else if (how === 'negative step') range.step = -1;
      else if (how === 'NaN bound') range.low = Number.NaN;
      else Object.assign(range, { low: -1e30, high: 1e30 });
    },
  })),
  fc.tuple(fc.constantFrom(...durationKeys), badDuration).map(([path, value]): ObjectMutation => ({
    note: `${show(path)}: ${JSON.stringify(value)}`,
    expect: 'error',
    apply: (config) => {
      let node = config;
      for (const k of path.slice(0, -1)) {
        if (!isObject(node[k])) node[k] = {};
        node = node[k] as JsonObject;
      }
      node[path[path.length - 1]] = value;
    },
  })),
  badName.map((name): ObjectMutation => ({ note: `name ${JSON.stringify(name).slice(0, 40)}`, expect: 'error', apply: (c) => void (c.name = name) })),
  badData.map((data): ObjectMutation => ({ note: `data ${JSON.stringify(data).slice(0, 40)}`, expect: 'error', apply: (c) => void (c.data = data) })),
  specialData.map(([data, files]): ObjectMutation => ({ note: `data ${data}`, expect: 'error', files, apply: (c) => void (c.data = data) })),
  badOutputDir.map((dir): ObjectMutation => ({
    note: `output.dir ${JSON.stringify(dir).slice(0, 40)}`,
    expect: 'error',
    overriddenBy: '--output',
    apply: (c) => void (c.output = { ...(isObject(c.output) ? c.output : {}), dir }),
  })),
  fc.tuple(fc.constantFrom(...stringKeys), controlString).map(([path, text]): ObjectMutation => ({
    note: `${show(path)} ${JSON.stringify(text)}`,
    // Free-form values (a task queue, a folder name) may hold anything; the message about the others must stay one paragraph.
    expect: 'any',
    apply: (c) => {
      let node = c;
      for (const k of path.slice(0, -1)) node = isObject(node[k]) ? (node[k] as JsonObject) : (node[k] = {});
      const key = path[path.length - 1];
      node[key] = key === 'constraints' ? [`fast < slow ${text}`] : text;
    },
  })),
  fc.constantFrom(10, 1024, 2048, 4096).map((side): ObjectMutation => ({
    note: `a ${side}×${side} constrained grid`,
    // Past 2^22 points a constrained grid is too many to count; below, it is counted, which takes a while.
    expect: side * side > 2 ** 22 ? 'error' : 'keep',
    overriddenBy: '--algorithm',
    apply: (c) => {
      delete c.evaluator;
      Object.assign(c, { strategy: 'sma_crossover', params: { fast: { low: 1, high: side }, slow: { low: 1, high: side } }, constraints: ['fast < slow'] });
      c.search = { algorithm: 'grid' };
      delete c.walk_forward;
      // Tuned costs or exits would add float ranges, which no grid counts.
      delete c.backtest;
    },
  })),
  prototypeName.map((name): ObjectMutation => ({ note: `objective ${name}`, expect: 'error', apply: (c) => void (c.objective = name) })),
  prototypeName.map((name): ObjectMutation => ({ note: `rank weight for ${name}`, expect: 'error', apply: (c) => void (c.rank = { [name]: 1 }) })),
  prototypeName.map((name): ObjectMutation => ({
    note: `strategy ${name}`,
    expect: 'error',
    apply: (c) => {
      delete c.evaluator;
      c.strategy = name;
    },
  })),
  prototypeName.filter((n) => n !== '__proto__').map((name): ObjectMutation => ({
    note: `parameter ${name} of sma_crossover`,
    expect: 'error',
    apply: (c) => {
      delete c.evaluator;
      c.strategy = 'sma_crossover';
      c.params = { fast: [5, 10], [name]: [1, 2] };
    },
  })),
  fc.array(junkConstraint, { minLength: 1, maxLength: 3 }).map((constraints): ObjectMutation => ({
    note: `constraints ${JSON.stringify(constraints).slice(0, 80)}`,
    expect: 'any',
    apply: (c) => void (c.constraints = constraints),
  })),
  fc
    .record({
      splits: fc.constantFrom<Json>(0, 500, 501, -1, 1.5, 1e9),
      train: fc.constantFrom<Json>(0, -5, 1e9, 1.5, '99y', '0d', 'abc', '', 0.999, 1e-9),
      test: fc.constantFrom<Json>(0, 1e9, '99y', '0d', 2.5, 'soon', 0.6),
      gap: fc.constantFrom<Json>(0, 1e9, -1, 0.5),
      mode: fc.constantFrom<Json>('rolling', 'sideways'),
    })
    .map((wf): ObjectMutation => ({ note: `walk_forward ${JSON.stringify(wf)}`, expect: 'any', apply: (c) => void (c.walk_forward = wf) })),
  fc.constantFrom('both', 'empty command', 'missing cwd', 'cwd is a file', 'cwd is a FIFO', 'non-string env', 'walk_forward').map((how): ObjectMutation => ({
    note: `evaluator: ${how}`,
    expect: 'error',
    files: how === 'cwd is a FIFO' ? [{ kind: 'fifo', name: 'data.fifo' }] : undefined,
    apply: (c) => {
      const base: JsonObject = { command: ['python3', 'evaluate.py'] };
      if (how === 'both') c.strategy = c.strategy ?? 'sma_crossover';
      else delete c.strategy;
      if (how === 'empty command') base.command = [];
      if (how === 'missing cwd') base.cwd = 'no-such-folder';
      if (how === 'cwd is a file') base.cwd = DATA_FILE;
      if (how === 'cwd is a FIFO') base.cwd = 'data.fifo';
      if (how === 'non-string env') base.env = { A: 1 };
      if (how === 'walk_forward') c.walk_forward = { splits: 1, train: 10, test: 5 };
      c.evaluator = base;
    },
  })),
  fc.constantFrom('missing.js', 'missing.ts', 'nested/missing.js', 'outputs', DATA_FILE, 'strategy.fifo', '', CASE_DIR).map((module): ObjectMutation => ({
    note: `strategy module ${module || '""'}`,
    expect: 'error',
    files: module === 'strategy.fifo' ? [{ kind: 'fifo', name: module }] : undefined,
    apply: (c) => {
      delete c.evaluator;
      c.strategy = { name: 'my_strategy', module: module === '' || module.startsWith(CASE_DIR) ? module : `./${module}` };
    },
  })),
  fc.constantFrom<[string, Json]>(['bogus', 1], ['shuffle', 'yes'], ['nStartupTrials', -1], ['popsize', 'many'], ['constructor', 1], ['toString', 'x']).map(([key, value]): ObjectMutation => ({
    note: `search option ${key}: ${JSON.stringify(value)}`,
    // No algorithm takes `bogus`, and none takes those values for the others.
    expect: 'error',
    apply: (c) => {
      const s = isObject(c.search) ? c.search : (c.search = {});
      s.options = { [key]: value };
    },
  })),
);

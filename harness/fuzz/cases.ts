import fc from 'fast-check';
import { brokenCsv, validCsv, type CsvInput } from './csv';
import { checkFlags, lastWins, validCheckFlags, withHelp, type Flags } from './flags';
import { sometimes } from './sometimes';
import { CASE_DIR, CASE_DIR_RELATIVE, DATA_FILE, combine, type Expectation, type FileSpec, type FuzzCase } from './types';
import { campaignText, type CampaignText } from './yaml';

/** What a part of the input makes of the whole: `keep` leaves the verdict to the rest. */
type Verdict = Expectation | 'keep';

/**
 * Which part of a case is broken. Breaking one part at a time keeps most cases past the first check,
 * so the later ones are reached too; `mixed` breaks them all at once.
 */
type Focus = 'valid' | 'campaign' | 'data' | 'flags' | 'path' | 'mixed';
const focus = (weights: Partial<Record<Focus, number>>): fc.Arbitrary<Focus> =>
  fc.oneof(...Object.entries(weights).map(([f, weight]) => ({ weight, arbitrary: fc.constant(f as Focus) })));
const broken = (f: Focus, part: Focus) => f === part || f === 'mixed';

const configNames = fc.constantFrom('campaign.yaml', 'my campaign ü.yaml', 'campagne données.yml', '-dash.yaml', 'weird #name [1].yaml', `${'x'.repeat(200)}.yaml`);
const dataNames = fc.constantFrom('prices.csv', 'prix ü 2020.csv', 'data with spaces.csv');

/** Where the config argument points: the campaign, or something that is not a campaign file. */
interface ConfigPath {
  arg: (config: string, data: string) => string;
  expect: Verdict;
  files: (config: string) => FileSpec[];
  note: string;
}

const none = () => [];

const campaignPath = fc.oneof(
  { weight: 4, arbitrary: fc.constant<ConfigPath>({ arg: (config) => `${CASE_DIR}/${config}`, expect: 'keep', files: none, note: 'config by absolute path' }) },
  { weight: 1, arbitrary: fc.constant<ConfigPath>({ arg: (config) => `${CASE_DIR_RELATIVE}/${config}`, expect: 'keep', files: none, note: 'config by relative path' }) },
  {
    weight: 1,
    arbitrary: fc.constant<ConfigPath>({
      arg: () => `${CASE_DIR}/link.yaml`,
      expect: 'keep',
      files: (config) => [{ kind: 'symlink', name: 'link.yaml', target: config }],
      note: 'a link to the config',
    }),
  },
);

const specialPath = fc.constantFrom<ConfigPath>(
  { arg: () => `${CASE_DIR}/outputs`, expect: 'error', files: none, note: 'a folder as config' },
  { arg: () => CASE_DIR, expect: 'error', files: none, note: 'the case folder as config' },
  { arg: () => `${CASE_DIR}/campaign.fifo`, expect: 'error', files: () => [{ kind: 'fifo', name: 'campaign.fifo' }], note: 'a FIFO as config' },
  {
    arg: () => `${CASE_DIR}/link.yaml`,
    expect: 'error',
    files: () => [{ kind: 'fifo', name: 'campaign.fifo' }, { kind: 'symlink', name: 'link.yaml', target: 'campaign.fifo' }],
    note: 'a link to a FIFO as config',
  },
  { arg: () => `${CASE_DIR}/loop.yaml`, expect: 'error', files: () => [{ kind: 'symlink', name: 'loop.yaml', target: 'loop.yaml' }], note: 'a link to itself as config' },
  { arg: () => `${CASE_DIR}/missing.yaml`, expect: 'error', files: none, note: 'a missing config' },
  { arg: (_, data) => `${CASE_DIR}/${data}`, expect: 'error', files: none, note: 'the data file as config' },
  { arg: () => '/dev/null', expect: 'error', files: none, note: '/dev/null as config' },
  { arg: () => '/etc/passwd', expect: 'error', files: none, note: '/etc/passwd as config' },
  { arg: () => '', expect: 'error', files: none, note: 'an empty config path' },
  // Resolving the path drops the slash, as it should.
  { arg: (config) => `${CASE_DIR}/${config}/`, expect: 'keep', files: none, note: 'config path with a trailing slash' },
);

function dataFile(name: string, csv: CsvInput): FileSpec {
  return csv.bytes ? { kind: 'bytes', name, bytes: csv.bytes } : { kind: 'text', name, text: csv.text };
}

/** A campaign with its data file and the path the command is given. */
interface CampaignInputs {
  files: FileSpec[];
  arg: string;
  /** What `check` must make of it. */
  expect: Expectation;
  walkForward: boolean;
  dataName: string;
  overriddenBy: string[];
  note: string;
}

/** The campaign file, its data file's name in place of {@link DATA_FILE}, also inside raw bytes. */
function configFile(name: string, campaign: CampaignText, dataName: string): FileSpec {
  if (!campaign.bytes) return { kind: 'text', name, text: campaign.text.split(DATA_FILE).join(dataName) };
  const latin1 = Buffer.from(campaign.bytes).toString('latin1').split(DATA_FILE).join(Buffer.from(dataName).toString('latin1'));
  return { kind: 'bytes', name, bytes: [...Buffer.from(latin1, 'latin1')] };
}

function campaignInputs(f: Focus, walkForward: number): fc.Arbitrary<CampaignInputs> {
  return fc
    .record({
      configName: configNames,
      dataName: dataNames,
      campaign: campaignText({ walkForward, mutate: broken(f, 'campaign') }),
      csv: broken(f, 'data') ? brokenCsv : validCsv,
      path: broken(f, 'path') ? specialPath : campaignPath,
    })
    .map(({ configName, dataName, campaign, csv, path }) => ({
      files: [...path.files(configName), ...campaign.files, configFile(configName, campaign, dataName), dataFile(dataName, csv)],
      arg: path.arg(configName, dataName),
      expect: path.expect === 'keep' ? combine(campaign.expect, csv.expect) : path.expect,
      walkForward: campaign.walkForward,
      dataName,
      overriddenBy: campaign.overriddenBy,
      note: `${path.note}; ${campaign.note}; ${csv.note}`,
    }));
}

/** `tuneflow check <config> [flags]`. */
export const checkCase: fc.Arbitrary<FuzzCase> = focus({ valid: 3, campaign: 8, data: 3, flags: 3, path: 1, mixed: 1 }).chain((f) =>
  fc
    .record({
      inputs: campaignInputs(f, 0.15),
      flags: broken(f, 'flags') ? fc.oneof({ weight: 30, arbitrary: checkFlags }, { weight: 1, arbitrary: withHelp }) : validCheckFlags,
    })
    .map(({ inputs, flags }): FuzzCase => {
      const overridden = inputs.overriddenBy.some((flag) => flags.args.includes(flag));
      return {
        command: 'check',
        files: inputs.files,
        args: [inputs.arg, ...flags.args.map((a) => a.split(DATA_FILE).join(inputs.dataName))],
        expect: flags.args.includes('--help') ? 'any' : combine(overridden && inputs.expect === 'error' ? 'any' : inputs.expect, flags.expect),
        note: `${f}: ${inputs.note}; flags: ${flags.note}`,
      };
    }),
);

const planFlags = fc.constantFrom<Flags>(
  { args: [], expect: 'ok', note: 'no flags' },
  { args: ['--json'], expect: 'ok', note: '--json' },
  { args: ['--bogus'], expect: 'error', note: '--bogus' },
  { args: ['--session-id', 'x'], expect: 'error', note: '--session-id (check only)' },
);

const validPlanFlags = planFlags.filter((flags) => flags.expect === 'ok');

/** `tuneflow plan <config> [--json]`: a campaign without `walk_forward` has nothing to plan. */
export const planCase: fc.Arbitrary<FuzzCase> = focus({ valid: 4, campaign: 3, data: 1, flags: 1, path: 1 }).chain((f) =>
  fc
    .record({ inputs: campaignInputs(f, 0.7), flags: broken(f, 'flags') ? planFlags : validPlanFlags })
    .map(({ inputs, flags }): FuzzCase => {
      // A valid campaign without walk_forward still fails; with one, the plan may not fit the data.
      const plan: Expectation = inputs.expect === 'ok' ? (inputs.walkForward ? 'any' : 'error') : inputs.expect;
      return {
        command: 'plan',
        files: inputs.files,
        args: [inputs.arg, ...flags.args],
        expect: combine(plan, flags.expect),
        note: `${f}: ${inputs.note}; flags: ${flags.note}`,
      };
    }),
);

const STRATEGY_PARAMS: Record<string, string[]> = {
  sma_crossover: ['fast=5', 'slow=30', 'fast=10'],
  ema_crossover: ['fast=8', 'slow=21'],
  rsi_reversion: ['period=14', 'lower=25.5', 'upper=75'],
  bollinger_breakout: ['period=20', 'k=1.5'],
  macd: ['fast=12', 'slow=26', 'signal=9'],
  donchian_breakout: ['lookback=20'],
};

const dataPath = fc.constantFrom<[string, Verdict, FileSpec[]]>(
  [`${CASE_DIR}/outputs`, 'error', []],
  [`${CASE_DIR}/data.fifo`, 'error', [{ kind: 'fifo', name: 'data.fifo' }]],
  [`${CASE_DIR}/missing.csv`, 'error', []],
  ['/dev/null', 'error', []],
  ['', 'error', []],
);

const badStrategy = fc.constantFrom<[string, Verdict]>(['nope', 'error'], ['', 'error'], ['constructor', 'error'], ['__proto__', 'error'], ['toString', 'error'], ['SMA_CROSSOVER', 'error']);

const number = (flag: string, values: Array<[string, Expectation]>): fc.Arbitrary<Flags> =>
  fc.constantFrom(...values).map(([v, expect]) => ({ args: [flag, v], expect, note: `${flag} ${JSON.stringify(v)}` }));

const backtestFlag: fc.Arbitrary<Flags> = fc.oneof(
  number('--cash', [['10000', 'ok'], ['0', 'any'], ['-5', 'any'], ['abc', 'error'], ['1e400', 'error'], ['', 'error'], ['1e308', 'any'], ['NaN', 'error']]),
  number('--commission', [['0', 'ok'], ['0.002', 'ok'], ['-1', 'any'], ['1', 'any'], ['x', 'error'], ['Infinity', 'error']]),
  number('--size', [['0.5', 'ok'], ['0', 'any'], ['2', 'any'], ['-1', 'any'], ['', 'error']]),
  number('--stop-loss', [['0.05', 'ok'], ['-1', 'any'], ['5', 'any'], ['nan', 'error']]),
  number('--take-profit', [['0.1', 'ok'], ['0', 'any'], ['1e30', 'any']]),
  number('--trailing-stop', [['0.05', 'ok'], ['0', 'error'], ['1', 'error'], ['x', 'error']]),
  number('--spread', [['0.0002', 'ok'], ['0.2', 'error'], ['-0.001', 'error']]),
  number('--commission-fixed', [['1', 'ok'], ['-1', 'error'], ['Infinity', 'error']]),
  number('--slippage', [['0.01', 'ok'], ['-0.01', 'error']]),
  number('--slippage-range', [['0.1', 'ok'], ['1.5', 'error']]),
  number('--units', [['10', 'any'], ['2.5', 'error'], ['0', 'error']]),
  fc.constantFrom<Flags>(
    { args: ['--json'], expect: 'ok', note: '--json' },
    { args: ['--bogus'], expect: 'error', note: '--bogus' },
    { args: ['--param', 'nope=1'], expect: 'error', note: 'unknown parameter' },
    { args: ['--param', 'constructor=1'], expect: 'error', note: 'parameter constructor' },
    { args: ['--param', '__proto__=1'], expect: 'error', note: 'parameter __proto__' },
    { args: ['--param', '=5'], expect: 'error', note: 'parameter without a name' },
    { args: ['--param', 'fast'], expect: 'error', note: 'parameter without a value' },
    { args: ['--param', 'fast=abc'], expect: 'error', note: 'fast=abc' },
    { args: ['--param', 'fast=1e400'], expect: 'error', note: 'fast=1e400' },
    { args: ['--param', 'fast=0.5'], expect: 'error', note: 'fast=0.5' },
    { args: ['--param', 'fast=100001'], expect: 'error', note: 'fast=100001' },
    { args: ['--strategy-module', `${CASE_DIR}/missing.js`], expect: 'error', note: 'missing strategy module' },
    { args: ['--strategy-module', `${CASE_DIR}/outputs`], expect: 'error', note: 'a folder as strategy module' },
    { args: ['--strategy-module', `${CASE_DIR}/module.fifo`], expect: 'error', note: 'a FIFO as strategy module' },
  ),
);
const validBacktestFlag = backtestFlag.filter((f) => f.expect === 'ok');

/** `tuneflow backtest --data FILE --strategy NAME --param k=v … [flags]`. */
export const backtestCase: fc.Arbitrary<FuzzCase> = focus({ valid: 3, data: 2, flags: 3, path: 1, campaign: 1, mixed: 1 }).chain((f) =>
  fc
    .record({
      dataName: dataNames,
      csv: broken(f, 'data') ? brokenCsv : validCsv,
      data: broken(f, 'path') ? dataPath : fc.constant<[string, Verdict, FileSpec[]]>(['{data}', 'keep', []]),
      // The strategy plays the campaign's part here.
      strategy: broken(f, 'campaign') ? badStrategy : fc.constantFrom(...Object.keys(STRATEGY_PARAMS)).map((s): [string, Verdict] => [s, 'keep']),
      params: fc.nat(),
      flags: fc.array(broken(f, 'flags') ? backtestFlag : validBacktestFlag, { maxLength: 3 }),
      dropRequired: broken(f, 'flags') ? sometimes(fc.constantFrom('--data', '--strategy'), 0.1) : fc.constant(null),
    })
    .map(({ dataName, csv, data: [dataValue, dataVerdict, dataFiles], strategy: [strategy, strategyVerdict], params, flags, dropRequired }): FuzzCase => {
      const known = Object.hasOwn(STRATEGY_PARAMS, strategy) ? STRATEGY_PARAMS[strategy] : [];
      const given = known.filter((_, k) => (params >> k) & 1).flatMap((p) => ['--param', p]);
      const data = dataValue === '{data}' ? `${CASE_DIR}/${dataName}` : dataValue;
      const required = [...(dropRequired === '--data' ? [] : ['--data', data]), ...(dropRequired === '--strategy' ? [] : ['--strategy', strategy])];
      const files: FileSpec[] = [dataFile(dataName, csv), ...dataFiles];
      if (flags.some((p) => p.args.includes(`${CASE_DIR}/module.fifo`))) files.push({ kind: 'fifo', name: 'module.fifo' });
      // Too few bars for the strategy's periods fail too, so valid data is only sure to pass when long.
      const enoughBars: Expectation = csv.bars >= 200 ? 'ok' : 'any';
      const expect = dropRequired
        ? 'error'
        : combine(
            dataVerdict === 'keep' ? combine(csv.expect, enoughBars) : dataVerdict,
            strategyVerdict === 'keep' ? 'ok' : strategyVerdict,
            ...lastWins(flags).map((p) => p.expect),
          );
      return {
        command: 'backtest',
        files,
        args: [...required, ...given, ...flags.flatMap((p) => p.args)],
        expect,
        note: `${f}: backtest ${strategy}; data ${dataValue}; ${csv.note}; ${flags.map((p) => p.note).join(', ') || 'no flags'}${dropRequired ? `; no ${dropRequired}` : ''}`,
      };
    }),
);

/** Every case: mostly `check`, a share of `plan` and `backtest`. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof({ weight: 7, arbitrary: checkCase }, { weight: 1, arbitrary: planCase }, { weight: 2, arbitrary: backtestCase });

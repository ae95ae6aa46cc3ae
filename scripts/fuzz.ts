import { writeBenchmarkSection } from '../harness/benchReport';
import { benchmarkSection, formatSummary } from '../harness/fuzz/report';
import { runFuzz } from '../harness/fuzz/run';

/**
 * `npm run fuzz [-- --cases N] [--seed S] [--path P]`: the input fuzzer. Prints a summary, writes its
 * figures to BENCHMARKS.md (not for a replay of one case) and exits 1 when any case fails.
 */
function parseArgs(argv: string[]): { cases: number; seed: number; path?: string } {
  const out: { cases: number; seed: number; path?: string } = { cases: 10_000, seed: Date.now() % 2 ** 31 };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--cases' || name === '--seed') {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < (name === '--cases' ? 1 : -(2 ** 31)) || Math.abs(n) >= 2 ** 31) throw new Error(`${name} takes a whole number, got "${value}"`);
      out[name === '--cases' ? 'cases' : 'seed'] = n;
    } else if (name === '--path') out.path = value;
    else throw new Error(`unknown flag ${name}; use --cases N, --seed S or --path P`);
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const report = await runFuzz({ ...args, log: (line) => console.error(line) });
  console.log(formatSummary(report));
  if (!args.path) {
    const command = `npm run fuzz -- --cases ${args.cases} --seed ${args.seed}`;
    writeBenchmarkSection('Input fuzzer', benchmarkSection(report, command));
  }
  return report.failures.length > 0 || report.failedCases > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`fuzz: ${(err as Error).message}`);
    process.exit(2);
  },
);

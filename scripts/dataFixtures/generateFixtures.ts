/**
 * Writes the data fixtures under test/fixtures/data/: hourly Berlin bars as CSV with naive local times, New York
 * equity-hours bars as pandas writes them to Parquet (snappy and zstd), and pandas' resample output and daily bins
 * for them (resample.json). test/backtest/resample.test.ts and zones.test.ts compare the engine with them.
 * Not part of `npm test` (it needs Python and PyPI; builds `.tuneflow/venv-data`):
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/dataFixtures/generateFixtures.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureVenv, runPython } from '../../harness/python';
import { PROJECT_ROOT } from '../../services/paths';

/** Pinned so that fixtures are reproducible. */
const REQUIREMENTS = ['pandas==3.1.1', 'numpy==2.4.6', 'pyarrow==26.0.1'];

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'data');

function main(): void {
  fs.mkdirSync(FIXTURES, { recursive: true });
  const python = ensureVenv('venv-data', REQUIREMENTS);
  const expected = JSON.parse(runPython(python, path.join(PROJECT_ROOT, 'scripts', 'dataFixtures', 'expected.py'), [FIXTURES])) as {
    versions: Record<string, string>;
    cases: unknown[];
  };
  fs.writeFileSync(path.join(FIXTURES, 'resample.json'), JSON.stringify({ generatedBy: 'scripts/dataFixtures/generateFixtures.ts', ...expected }) + '\n');
  const versions = Object.entries(expected.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`Wrote ${expected.cases.length} resampling cases and their data to ${path.relative(PROJECT_ROOT, FIXTURES)}/ (${versions}).`);
}

main();

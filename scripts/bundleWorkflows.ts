import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT } from '../services/paths';

/** Bundles the workflow code once at build time, so workers start in milliseconds instead of seconds. */
async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(PROJECT_ROOT, 'dist', 'workflows', 'index.js'),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.error, error: console.error },
  });
  fs.writeFileSync(path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js'), code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

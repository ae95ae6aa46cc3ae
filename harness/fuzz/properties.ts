import path from 'node:path';
import type { CaseRun } from './harness';
import { CASE_DIR, type FuzzCase } from './types';

export const HANG_MS = 30_000;
/** An error is one short paragraph: a long message is one line, a flag hint ("Did you mean") a second. */
const MAX_ERROR_LINES = 3;
const STACK_TRACE = /\n\s+at .+\(.*:\d+:\d+\)|\n {4}at /;
/** Words of commander's own messages, which name the flag or argument in quotes. */
const COMMANDER_WORDS = /\b(option|argument|arguments|command)\b/;

function inputText(c: FuzzCase, run: CaseRun): string {
  return [...run.args, ...c.files.map((f) => (f.kind === 'text' ? f.text : f.kind === 'bytes' ? Buffer.from(f.bytes).toString('utf8') : f.name))].join('\n');
}

/**
 * Words that, found in a message, show it names what is wrong: a path or value the command was given (or
 * the path it resolves to), a file of the case, or a flag (also in the engine's camelCase, `stopLoss` for
 * `--stop-loss`). Values shorter than three characters would match anywhere.
 */
function culprits(c: FuzzCase, run: CaseRun): string[] {
  const words = [...run.args, ...c.files.map((f) => path.basename(f.name))];
  // Paths inside the config (a data file, a module) are named by the messages about them.
  for (const f of c.files) if (f.kind === 'text') words.push(...(f.text.split(CASE_DIR).join(run.dir).match(/\/[^\s"',]+/g) ?? []));
  for (const a of run.args) {
    if (a.startsWith('--')) words.push(a.slice(2).replace(/-(\w)/g, (_, ch: string) => ch.toUpperCase()));
    else if (!a.includes('\0')) words.push(path.resolve(a), path.basename(a));
  }
  return words.filter((w) => w.trim().length >= 3 || w.startsWith('--'));
}

/** Everything wrong with how a case ended; empty when it passes. */
export function problems(c: FuzzCase, run: CaseRun): string[] {
  const found: string[] = [];
  const out = `${run.stdout}\n${run.stderr}`;
  if (run.code === null) found.push(`did not settle within ${HANG_MS / 1000} s`);
  else if (run.ms > HANG_MS) found.push(`took ${(run.ms / 1000).toFixed(1)} s (limit ${HANG_MS / 1000} s)`);
  for (const fifo of run.fifoReads) found.push(`read the FIFO ${fifo}, which blocks until a writer appears: a hang`);
  if (run.exitCalls.length > 0) found.push(`called process.exit(${run.exitCalls.join(', ')})`);
  for (const err of run.uncaught) found.push(`uncaught: ${err}`);
  if (run.code !== null && ![0, 1, 2].includes(run.code)) found.push(`exit code ${run.code}, not 0, 1 or 2`);
  if (STACK_TRACE.test(out)) found.push('printed a stack trace');
  const input = inputText(c, run);
  for (const word of ['[object Object]', 'undefined']) {
    if (out.includes(word) && !input.includes(word)) found.push(`printed "${word}"`);
  }
  if (run.code === 0 && run.stdout.trim() === '') found.push('exit 0 with nothing on stdout');
  if (run.code === 2) {
    const message = run.stderr.replace(/\n$/, '');
    if (!message.startsWith('tuneflow: ')) found.push('exit 2 without a "tuneflow: " message on stderr');
    if (/\n\s*\n/.test(message)) found.push('the error message has more than one paragraph');
    const lines = message.split('\n').length;
    if (lines > MAX_ERROR_LINES) found.push(`the error message has ${lines} lines`);
    if (run.stdout !== '') found.push('exit 2 with output on stdout');
    const names = culprits(c, run);
    if (!COMMANDER_WORDS.test(message) && !names.some((w) => message.includes(w))) found.push('the error message names no file, flag or value it was given');
  }
  if (c.expect === 'ok' && run.code !== 0 && run.code !== null) found.push(`valid input refused (exit ${run.code})`);
  if (c.expect === 'error' && run.code !== 2 && run.code !== null) found.push(`invalid input accepted (exit ${run.code})`);
  for (const change of run.fileChanges) found.push(`${change.replace(run.dir, '<case>')} (${c.command} writes nothing)`);
  return found;
}

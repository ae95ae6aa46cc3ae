import fc from 'fast-check';
import YAML from 'yaml';
import { validCampaign, type JsonObject } from './campaign';
import { objectMutation, type ObjectMutation } from './mutations';
import { sometimes } from './sometimes';
import type { Expectation, FileSpec } from './types';

/** A campaign YAML text and what `tuneflow check` must make of it with valid data. */
export interface CampaignText {
  text: string;
  bytes?: number[];
  expect: Expectation;
  files: FileSpec[];
  walkForward: boolean;
  /** Flags that, given, replace a broken setting, so that the verdict is open again. */
  overriddenBy: string[];
  note: string;
}

interface TextMutation {
  note: string;
  expect: Expectation | 'keep';
  apply(text: string): string;
  bytes?: (text: string) => number[];
}

const lines = (text: string) => text.split('\n');

function insertLine(text: string, index: number, line: string): string {
  const all = lines(text);
  all.splice(index % (all.length + 1), 0, line);
  return all.join('\n');
}

/** `levels` anchors, each a list of `width` aliases of the one before: width^levels values once expanded. */
function aliasBomb(levels: number, width: number): string {
  const out = ['search:', '  algorithm: random', '  trials: 10', '  options:', `    l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let k = 1; k <= levels; k++) out.push(`    l${k}: &l${k} [${Array(width).fill(`*l${k - 1}`).join(', ')}]`);
  return out.join('\n');
}

/** The top-level `search` section removed, so an appended one is the only one. */
function withoutSearch(text: string): string {
  const doc = YAML.parse(text) as JsonObject;
  delete doc.search;
  return YAML.stringify(doc, { lineWidth: 0 });
}

const syntaxError = fc.constantFrom('key: [1, 2', '"unterminated', '@reserved: 1', '`tick: 1', '*undefined_alias', 'a: b: c', '{', ']');

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.tuple(fc.nat(), syntaxError).map(([i, line]): TextMutation => ({ note: `syntax error ${JSON.stringify(line)}`, expect: 'error', apply: (t) => insertLine(t, i, line) })),
  fc.nat().map((i): TextMutation => ({
    note: 'a top-level key twice',
    expect: 'error',
    apply: (t) => {
      const keys = lines(t).filter((l) => /^[a-z_]+:/.test(l));
      return keys.length === 0 ? t : `${t.trimEnd()}\n${keys[i % keys.length]}\n`;
    },
  })),
  fc.constantFrom<TextMutation>(
    { note: '__proto__ at the top level', expect: 'error', apply: (t) => `${t.trimEnd()}\n__proto__:\n  polluted: 1\n` },
    {
      note: '__proto__ as a parameter',
      expect: 'error',
      apply: (t) =>
        /^params:/m.test(t)
          ? t.replace(/^params:( \{)?/m, (m, flow) => (flow ? `${m} __proto__: [1, 2],` : `${m}\n  __proto__: [1, 2]`))
          : `${t.trimEnd()}\n__proto__: 1\n`,
    },
    { note: 'empty file', expect: 'error', apply: () => '' },
    { note: 'comments only', expect: 'error', apply: () => '# nothing here\n' },
    { note: 'a scalar document', expect: 'error', apply: () => 'hello\n' },
    { note: 'a list document', expect: 'error', apply: () => '- data: prices.csv\n' },
    { note: 'two documents', expect: 'error', apply: (t) => `${t}---\n${t}` },
    { note: 'BOM', expect: 'any', apply: (t) => `\uFEFF${t}` },
    { note: 'CRLF', expect: 'keep', apply: (t) => t.replace(/\n/g, '\r\n') },
    { note: 'tabs for indentation', expect: 'any', apply: (t) => t.replace(/^ {2}/gm, '\t') },
    { note: 'over 1 MiB', expect: 'error', apply: (t) => `${t}#${'x'.repeat(1 << 20)}\n` },
  ),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 })).map(([levels, width]): TextMutation => ({
    note: `alias bomb ${width}^${levels}`,
    // Small expansions are ordinary YAML, large ones must be refused; either way `l0` is no sampler option.
    expect: 'error',
    apply: (t) => `${withoutSearch(t).trimEnd()}\n${aliasBomb(levels, width)}\n`,
  })),
  fc.tuple(fc.constantFrom(10, 100, 1000, 10_000, 100_000), fc.constantFrom('[', '{a: ')).map(([depth, open]): TextMutation => ({
    note: `nesting ${depth} deep with ${open.trim()}`,
    // However deep it parses, `deep` is no sampler option.
    expect: 'error',
    apply: (t) => {
      const close = open === '[' ? ']' : '}';
      return `${withoutSearch(t).trimEnd()}\nsearch:\n  algorithm: random\n  trials: 5\n  options:\n    deep: ${open.repeat(depth)}1${close.repeat(depth)}\n`;
    },
  })),
  fc.integer({ min: 1, max: 300 }).map((depth): TextMutation => ({
    note: `block nesting ${depth} deep`,
    expect: 'error',
    apply: (t) => `${t.trimEnd()}\nx_deep:\n${Array.from({ length: depth }, (_, k) => `${'  '.repeat(k + 1)}a:`).join('\n')} 1\n`,
  })),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 200 })).map(([i, garbage]): TextMutation => ({
    note: `${garbage.length} random bytes at some offset`,
    expect: 'any',
    apply: (t) => t,
    bytes: (t) => {
      const b = [...Buffer.from(t, 'utf8')];
      b.splice(i % (b.length + 1), 0, ...garbage);
      return b;
    },
  })),
  fc.uint8Array({ minLength: 0, maxLength: 400 }).map((garbage): TextMutation => ({ note: `${garbage.length} random bytes only`, expect: 'any', apply: () => '', bytes: () => [...garbage] })),
  fc.nat().map((i): TextMutation => ({ note: 'truncated', expect: 'any', apply: (t) => t.slice(0, i % (t.length + 1)) })),
  fc.array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 3 })), { minLength: 1, maxLength: 5 }).map((edits): TextMutation => ({
    note: `characters replaced ${JSON.stringify(edits.map((e) => e[1]))}`,
    expect: 'any',
    apply: (t) => edits.reduce((s, [i, c]) => {
      const at = i % (s.length + 1);
      return s.slice(0, at) + c + s.slice(at + 1);
    }, t),
  })),
);

function verdict(base: Expectation, changes: Array<Expectation | 'keep'>): Expectation {
  // Several changes can undo each other (a deleted key, then a value set inside it), so only one is sure.
  if (changes.length === 0) return base;
  if (changes.length > 1) return 'any';
  const only = changes[0];
  if (only === 'keep') return base;
  return only;
}

/** Object-level changes, text-level change, or both. */
const changes = fc.oneof(
  { weight: 5, arbitrary: fc.record({ objectChanges: fc.array(objectMutation, { minLength: 1, maxLength: 2 }), textChange: fc.constant(null) }) },
  { weight: 2, arbitrary: fc.record({ objectChanges: fc.constant<ObjectMutation[]>([]), textChange: textMutation }) },
  { weight: 1, arbitrary: fc.record({ objectChanges: fc.array(objectMutation, { minLength: 1, maxLength: 3 }), textChange: sometimes(textMutation, 0.5) }) },
);
const noChanges = fc.constant({ objectChanges: [] as ObjectMutation[], textChange: null });

/**
 * Campaign texts: valid campaigns, and with `mutate` after object-level changes, a text-level change or
 * both. The campaign names its data file `{{data}}`; `walkForward` is the share with that section.
 */
export function campaignText(options: { walkForward: number; mutate: boolean }): fc.Arbitrary<CampaignText> {
  return fc
    .record({
      base: validCampaign(options.walkForward),
      changes: options.mutate ? changes : noChanges,
      flow: fc.boolean(),
    })
    .map(({ base, changes: { objectChanges, textChange }, flow }) => {
      const config = structuredClone(base.config);
      const notes = [base.note];
      const files: FileSpec[] = [];
      for (const change of objectChanges) {
        const detail = change.apply(config);
        notes.push(detail ? `${change.note} ${detail}` : change.note);
        files.push(...(change.files ?? []));
      }
      let text = YAML.stringify(config, { lineWidth: 0, collectionStyle: flow && !textChange ? 'flow' : 'any' });
      let bytes: number[] | undefined;
      if (textChange) {
        text = textChange.apply(text);
        bytes = textChange.bytes?.(text);
        notes.push(textChange.note);
      }
      const changes = [...objectChanges.map((c) => c.expect), ...(textChange ? [textChange.expect] : [])];
      const overriddenBy = objectChanges.flatMap((c) => (c.overriddenBy ? [c.overriddenBy] : []));
      return { text, bytes, expect: verdict(base.expect, changes), files, walkForward: 'walk_forward' in config, overriddenBy, note: notes.join('; ') };
    });
}

import type { MetricValues } from '../../types/trial';
import { EvaluatorOutputError } from './errors';

/**
 * A trial's log, at most `maxBytes` of captured output: the first half and the last half of what arrived,
 * with a note where the middle was dropped, because a failure's cause is usually near the start or the end.
 */
export class CappedLog {
  private readonly head: Buffer[] = [];
  private readonly tail: Buffer[] = [];
  private headBytes = 0;
  private tailBytes = 0;
  private droppedBytes = 0;
  private readonly headCap: number;
  private readonly tailCap: number;

  constructor(private readonly maxBytes: number) {
    this.headCap = Math.floor(maxBytes / 2);
    this.tailCap = maxBytes - this.headCap;
  }

  append(text: string): void {
    let chunk = Buffer.from(text, 'utf8');
    const headRoom = this.headCap - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes > this.tailCap) {
      const excess = this.tailBytes - this.tailCap;
      const first = this.tail[0];
      const cut = Math.min(first.length, excess);
      if (cut === first.length) this.tail.shift();
      else this.tail[0] = first.subarray(cut);
      this.tailBytes -= cut;
      this.droppedBytes += cut;
    }
  }

  toBuffer(): Buffer {
    const note = this.droppedBytes > 0
      ? [Buffer.from(`\n[tuneflow: log truncated, ${this.droppedBytes} bytes dropped here to keep it within maxLogBytes = ${this.maxBytes}]\n`)]
      : [];
    return Buffer.concat([...this.head, ...note, ...this.tail]);
  }
}

/** The last `lines` lines of stderr, for failure messages; only a bounded window of text is kept. */
export class StderrTail {
  private text = '';

  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-16_384);
  }

  lines(count: number): string {
    return this.text.trimEnd().split('\n').slice(-count).join('\n');
  }
}

/** Longer stdout lines cannot be a metrics object worth parsing; they go to the log in pieces. */
const MAX_LINE_CHARS = 1 << 20;

/**
 * Splits stdout into lines and holds back the last line that parses as a JSON object (the metrics); every
 * other line goes to `log` as it arrives. A JSON line that a later one supersedes is logged late, after the
 * lines that came between them.
 */
export class StdoutMetrics {
  private partial = '';
  private overlong = false;
  private candidate: { line: string; value: Record<string, unknown> } | null = null;
  private start = '';

  constructor(private readonly log: (text: string) => void) {}

  push(chunk: string): void {
    if (this.start.length < 200) this.start += chunk.slice(0, 200 - this.start.length);
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.overlong) this.log(line + '\n');
      else this.line(line);
      this.overlong = false;
    }
    if (this.partial.length > MAX_LINE_CHARS) {
      this.log(this.partial);
      this.partial = '';
      this.overlong = true;
    }
  }

  end(): void {
    if (this.partial === '') return;
    if (this.overlong) this.log(this.partial + '\n');
    else this.line(this.partial);
    this.partial = '';
  }

  /**
   * The metrics printed, checked against the contract: numbers or null, the objective among them.
   * @throws EvaluatorOutputError saying what was expected and showing what came instead.
   */
  metrics(objective: string): MetricValues {
    const expected = `expected one JSON object of metrics on stdout with a numeric "${objective}"`;
    if (!this.candidate) {
      const got = this.start.trim() === '' ? 'nothing on stdout' : this.start.trim();
      throw new EvaluatorOutputError(`${expected}, got: ${got}`);
    }
    const { line, value } = this.candidate;
    const shown = line.trim().slice(0, 200);
    if (!(objective in value)) throw new EvaluatorOutputError(`${expected}, got: ${shown}`);
    const metrics: MetricValues = {};
    for (const [name, v] of Object.entries(value)) {
      if (v !== null && typeof v !== 'number') {
        throw new EvaluatorOutputError(`${expected} and every value a number or null; "${name}" is ${JSON.stringify(v).slice(0, 50)} in: ${shown}`);
      }
      metrics[name] = v;
    }
    return metrics;
  }

  private line(text: string): void {
    const value = parseObject(text);
    if (!value) {
      this.log(text + '\n');
      return;
    }
    if (this.candidate) this.log(this.candidate.line + '\n');
    this.candidate = { line: text, value };
  }
}

/**
 * Python's `json.dumps` writes NaN and ±Infinity as bare words, which are not JSON; they become null, the
 * value the metrics contract uses for an undefined statistic. Strings are matched first so that words inside
 * them stay as they are.
 */
const NON_FINITE = /"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g;

function parseObject(line: string): Record<string, unknown> | null {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return null;
  try {
    const value: unknown = JSON.parse(text.replace(NON_FINITE, (m) => (m.startsWith('"') ? m : 'null')));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

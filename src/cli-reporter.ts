import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { sparkline } from './report/history.js';
import type { Reporter } from './reporter.js';

/** Where the terminal reporter writes: a stream, or anything with `write` in tests. */
export interface TextSink {
  write(text: string): unknown;
  /** Width of a terminal, for the progress line; undefined off a terminal. */
  columns?: number;
}

export interface TerminalOptions {
  /** A terminal: redraw one progress line per long step. Off a terminal (pipes, files, CI): plain start and finish lines. */
  live: boolean;
  /** ANSI colours (warnings in yellow). */
  color: boolean;
  /** On a terminal, print every line of a long step instead of folding them into the progress line. */
  verbose: boolean;
  /** Braille spinner and check marks; ASCII on consoles that lack them. */
  unicode: boolean;
  /** The environment exportVariable and addPath change (the CLI passes process.env). */
  env: NodeJS.ProcessEnv;
  /** Milliseconds clock, for tests. */
  now?: () => number;
  /** Redraw interval of the progress line, ms. */
  tickMs?: number;
}

const ANSI = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
type Style = keyof typeof ANSI;
const SPINNER = { unicode: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'], ascii: ['-', '\\', '|', '/'] };
/** Lines of a folded step shown again when it fails, so the error has its context. */
const RECENT_LINES = 40;
const CLEAR_LINE = '\r\x1b[2K';

/** `4.2s`, `1m 05s`. */
export function formatElapsed(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
}

/**
 * `name: value` lines; a multi-line value continues under its first line. Pure, so the CLI and its
 * tests render outputs the same way.
 */
export function formatOutputs(outputs: ReadonlyMap<string, string>, skip: readonly string[] = []): string {
  const shown = [...outputs].filter(([name]) => !skip.includes(name));
  const width = Math.max(0, ...shown.map(([name]) => name.length));
  return shown
    .map(([name, value]) => {
      const [first = '', ...rest] = value.split('\n');
      const indent = ' '.repeat(width + 2);
      return [`${`${name}:`.padEnd(width + 1)} ${first}`.trimEnd(), ...rest.map((line) => `${indent}${line}`)].join('\n');
    })
    .join('\n');
}

const ASCII_BARS = '.:-=+*#%';

/**
 * The size history for a terminal (pure): each Mermaid chart of the summary (report/history.ts
 * historyChart) and its colour legend become one sparkline row per platform, with the first and
 * last size; the text lines under it stay as they are.
 */
export function terminalSummary(markdown: string, unicode = true): string {
  // The legend under a chart names its colours: a terminal row names its platform instead.
  return markdown.replace(/^```mermaid\n([\s\S]*?)\n```(\n\n🟦[^\n]*)?$/gmu, (block, body: string) => {
    if (!/^xychart-beta$/m.test(body)) return block;
    const labels = /^\s*x-axis \[(.*)\]$/m.exec(body)?.[1]?.split(',').map((label) => label.trim().replace(/^"|"$/g, '')) ?? [];
    const unit = /^\s*y-axis "([^"]*)"/m.exec(body)?.[1] ?? '';
    const rows = [...body.matchAll(/^\s*%% (\S+)\n\s*line \[(.*)\]$/gm)].map((m) => ({ platform: m[1]!, values: m[2]!.split(',').map(Number) }));
    if (rows.length === 0) return block;
    const width = Math.max(...rows.map((r) => r.platform.length));
    const bars = (values: number[]) => {
      const line = sparkline(values);
      return unicode ? line : [...line].map((bar) => ASCII_BARS['▁▂▃▄▅▆▇█'.indexOf(bar)]).join('');
    };
    const span = labels.length > 0 ? ` (${labels[0]} … ${labels.at(-1)})` : '';
    return [
      `Last ${labels.length} builds${span}:`,
      ...rows.map((row) => `  ${row.platform.padEnd(width)}  ${bars(row.values)}  ${row.values[0]} → ${row.values.at(-1)} ${unit}`),
    ].join('\n');
  });
}

interface ActiveStep {
  title: string;
  startedMs: number;
  /** The latest line the step printed, shown after the spinner. */
  lastLine: string;
  recent: string[];
}

/**
 * Reports a run to a terminal (stderr): groups become headings with their elapsed time, long steps a
 * spinner line on a TTY, warnings yellow. What the runner would keep (outputs, summary, state) is
 * collected here for the CLI to print and act on at the end; exportVariable and addPath change only
 * this process's environment.
 */
export class TerminalReporter implements Reporter {
  readonly summaries: string[] = [];
  readonly state = new Map<string, string>();
  private readonly secrets = new Set<string>();
  private active: ActiveStep | undefined;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly now: () => number;

  constructor(
    private readonly sink: TextSink,
    private readonly options: TerminalOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  info(message: string): void {
    const text = this.mask(message);
    if (this.active && this.options.live && !this.options.verbose) {
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      this.active.recent.push(...lines);
      this.active.recent.splice(0, Math.max(0, this.active.recent.length - RECENT_LINES));
      const last = lines.at(-1);
      if (last !== undefined) this.active.lastLine = last;
      this.draw();
      return;
    }
    this.print(text);
  }

  warning(message: string): void {
    this.print(this.paint('yellow', `warning: ${this.mask(message)}`));
  }

  /** A failure the CLI reports at the end (red on a terminal). */
  error(message: string): void {
    this.print(this.paint('red', `error: ${this.mask(message)}`));
  }

  async group<T>(title: string, task: () => Promise<T>): Promise<T> {
    // Groups do not nest on the runner either: an inner one is a line of the outer step.
    if (this.active) {
      this.info(title);
      return task();
    }
    this.active = { title, startedMs: this.now(), lastLine: '', recent: [] };
    if (this.options.live) {
      this.timer = setInterval(() => this.draw(), this.options.tickMs ?? 100);
      this.timer.unref();
      this.draw();
    } else {
      this.sink.write(`==> ${title}\n`);
    }
    try {
      const result = await task();
      this.finish(true);
      return result;
    } catch (error) {
      this.finish(false);
      throw error;
    }
  }

  setSecret(value: string): void {
    if (value) this.secrets.add(value);
  }

  addSummary(markdown: string): Promise<void> {
    this.summaries.push(this.mask(markdown));
    return Promise.resolve();
  }

  saveState(name: string, value: string): void {
    this.state.set(name, value);
  }

  exportVariable(name: string, value: string): void {
    this.options.env[name] = value;
  }

  addPath(dir: string): void {
    const current = this.options.env.PATH;
    this.options.env.PATH = current ? `${dir}${path.delimiter}${current}` : dir;
  }

  /** Stops the progress line (the CLI calls it before it exits, whatever happened). */
  close(): void {
    if (this.active) this.finish(false);
  }

  mask(text: string): string {
    let masked = text;
    for (const secret of this.secrets) masked = masked.split(secret).join('***');
    return masked;
  }

  private finish(ok: boolean): void {
    const step = this.active;
    if (!step) return;
    this.active = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    const elapsed = formatElapsed(this.now() - step.startedMs);
    if (!this.options.live) {
      this.sink.write(`==> ${step.title}: ${ok ? 'done' : 'failed'} in ${elapsed}\n`);
      return;
    }
    const mark = ok ? this.paint('green', this.options.unicode ? '✓' : 'ok') : this.paint('red', this.options.unicode ? '✗' : 'failed');
    this.sink.write(`${CLEAR_LINE}${mark} ${step.title} ${this.paint('dim', `(${elapsed})`)}\n`);
    if (!ok && !this.options.verbose && step.recent.length > 0) {
      this.sink.write(`${step.recent.map((line) => this.paint('dim', `  ${line}`)).join('\n')}\n`);
    }
  }

  /** Writes whole lines, keeping the progress line below them. */
  private print(text: string): void {
    if (this.active && this.options.live) {
      this.sink.write(`${CLEAR_LINE}${text}\n`);
      this.draw();
    } else {
      this.sink.write(`${text}\n`);
    }
  }

  private draw(): void {
    const step = this.active;
    if (!step || !this.options.live) return;
    const frames = this.options.unicode ? SPINNER.unicode : SPINNER.ascii;
    this.frame = (this.frame + 1) % frames.length;
    const head = `${frames[this.frame]} ${step.title} ${formatElapsed(this.now() - step.startedMs)}`;
    // Cut to the terminal width (on plain text, before colour) so the line never wraps.
    const width = (this.sink.columns || 80) - 1;
    const tail = stripVTControlCharacters(step.lastLine).replace(/[\t\r]/g, ' ');
    const room = width - head.length - 2;
    const shownTail = room > 8 && tail ? `  ${tail.length > room ? `${tail.slice(0, room - 1)}…` : tail}` : '';
    this.sink.write(`${CLEAR_LINE}${head.slice(0, width)}${this.paint('dim', shownTail)}`);
  }

  private paint(style: Style, text: string): string {
    return this.options.color && text ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text;
  }
}

import { statfsSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from './format-bytes.js';
import type { Reporter } from './reporter.js';

/** A bad action input or CLI flag: names the input, shows the value, lists what is accepted. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly value: string,
    readonly accepted: string,
  ) {
    super(`Input '${input}' has an invalid value ${JSON.stringify(value)}: expected ${accepted}.`);
    this.name = 'InputError';
  }
}

/**
 * An external command exited non-zero; the message carries the tail of its stderr, after the
 * cause when the caller found one (`headline`) and before a hint.
 */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderrTail: string,
    hint?: string,
    headline?: string,
  ) {
    super(
      (headline ? `${headline}\n` : '') +
        `${command} failed with exit code ${exitCode}` +
        (stderrTail ? `:\n${stderrTail}` : '') +
        (hint ? `\nHint: ${hint}` : ''),
    );
    this.name = 'CommandError';
  }
}

/** A failure with the context a user needs to act on it (what, where, why). */
export class ActionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


/** The free space of the file system holding a path (statfs). */
export interface FreeSpace {
  /** The folder that was measured: the path itself or its nearest existing parent. */
  path: string;
  freeBytes: number;
  totalBytes: number;
}

/** Everything diskFullMessage says; gathered by failureMessage, or given by a test. */
export interface DiskFull {
  /** The original error text (`ENOSPC: no space left on device, write`, a command's stderr). */
  detail: string;
  stage?: string;
  /** The file that did not fit, when the error names one. */
  path?: string;
  free?: FreeSpace;
}

function lowerFirst(text: string): string {
  return text.replace(/^./, (c) => c.toLowerCase());
}

/** Whether an error (or a command's output in it) says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC' || /no space left on device|ENOSPC/i.test(errorMessage(error));
}

/**
 * The file a disk-full error names: Node's `error.path`, else the path in a tool's text
 * (`write /tmp/x/hello: no space left on device`, Go and BuildKit both word it so).
 */
export function diskFullPath(error: unknown): string | undefined {
  const fromNode = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof fromNode === 'string' && fromNode) return fromNode;
  const match = /(\/[^\s:'"]+):\s*no space left on device/i.exec(errorMessage(error));
  return match?.[1];
}

/** The message for a disk that filled up: what was being done, which file, how much room is left (pure). */
export function diskFullMessage(info: DiskFull): string {
  const doing = !info.stage ? '' : info.stage.startsWith('after ') ? ` ${info.stage}` : ` while ${lowerFirst(info.stage)}`;
  const file = info.path ? `: ${info.path} did not fit` : '';
  const room = info.free
    ? ` Now ${formatBytes(info.free.freeBytes)} free of ${formatBytes(info.free.totalBytes)} on the file system of ${info.free.path} (measured after the failure: the tool may have deleted its partial file).`
    : '';
  return (
    `No space left on device${doing}${file}.${room}\n${info.detail}\n` +
    "Hint: free space on the runner's disk (RUNNER_TEMP, GOCACHE, GOMODCACHE; self-hosted runners keep them between jobs) or use a larger runner."
  );
}

/** statfs of `target`, or of its nearest existing parent; undefined when nothing can be measured. */
export function freeSpace(target: string): FreeSpace | undefined {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    try {
      const stats = statfsSync(dir);
      return { path: dir, freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
    } catch {
      if (dir === path.dirname(dir)) return undefined;
    }
  }
}

/**
 * A reporter that remembers which log group is running, so a failure can say at what stage it
 * happened. Between groups the stage is `after <the last group>`.
 */
export function withStages(reporter: Reporter): Reporter & { stage(): string | undefined } {
  let stage: string | undefined;
  // Delegates method by method rather than spreading: the CLI's reporter is a class instance, whose
  // methods live on its prototype.
  return {
    info: (message) => reporter.info(message),
    warning: (message) => reporter.warning(message),
    setSecret: (value) => reporter.setSecret(value),
    addSummary: (markdown) => reporter.addSummary(markdown),
    saveState: (name, value) => reporter.saveState(name, value),
    exportVariable: (name, value) => reporter.exportVariable(name, value),
    addPath: (dir) => reporter.addPath(dir),
    stage: () => stage,
    group: async <T>(title: string, task: () => Promise<T>): Promise<T> => {
      stage = title;
      const result = await reporter.group(title, task);
      stage = `after ${lowerFirst(title)}`;
      return result;
    },
  };
}

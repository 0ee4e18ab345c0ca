import { spawn } from 'node:child_process';
import { CommandError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Stream each output line as it arrives (for long steps such as buildx). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** Extra guidance appended to the error when the command fails. */
  hint?: (stderr: string) => string | undefined;
  /** The cause, found in the output, that the error message leads with (the tail follows). */
  headline?: (stderr: string) => string | undefined;
  /** Kill the command after this many milliseconds. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed (otherwise stdin is /dev/null). */
  input?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How many trailing stderr lines a failure message carries. */
const STDERR_TAIL_LINES = 25;

export function tailLines(text: string, count = STDERR_TAIL_LINES): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

/**
 * The one seam through which every external command runs: argv only (no shell),
 * output captured, and a failure turned into a CommandError with stderr's tail.
 */
export function execCommand(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    });
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const partial = { stdout: '', stderr: '' };
    const collect = (stream: 'stdout' | 'stderr') => (data: Buffer) => {
      chunks[stream].push(data);
      if (!options.onLine) return;
      const text = partial[stream] + data.toString('utf8');
      const lines = text.split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, stream);
    };
    // A command that exits without reading its stdin must not fail the write (EPIPE).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? `${command} was not found on PATH` : error.message;
      reject(new CommandError(command, -1, reason));
    });
    child.on('close', (code, signal) => {
      if (options.onLine) {
        for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) options.onLine(partial[stream], stream);
      }
      const result: ExecResult = {
        exitCode: code ?? 128,
        stdout: Buffer.concat(chunks.stdout).toString('utf8'),
        stderr: Buffer.concat(chunks.stderr).toString('utf8'),
      };
      if (result.exitCode === 0 || options.allowFailure) return resolve(result);
      const shown = `${command} ${args.slice(0, 2).join(' ')}`.trim();
      const tail = tailLines(result.stderr || result.stdout) + (signal ? `\n(killed by ${signal})` : '');
      reject(new CommandError(shown, result.exitCode, tail, options.hint?.(result.stderr), options.headline?.(result.stderr)));
    });
  });
}

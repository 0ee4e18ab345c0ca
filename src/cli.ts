import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import packageJson from '../package.json' with { type: 'json' };
import { TerminalReporter, formatOutputs, terminalSummary, type TextSink } from './cli-reporter.js';
import { announceConfig, parseConfig, type InputReader } from './config.js';
import { InputError, withStages } from './errors.js';
import { failureMessage } from './failure.js';
import { Inputs, Outputs, takesTrueFalse, type InputKey, type InputType } from './inputs.js';
import { writeOutputs } from './outputs.js';
import { runPipeline } from './pipeline.js';
import { runPostStep } from './post-step.js';
import { defaultTools } from './default-tools.js';
import type { Tools } from './tools.js';

export const CLI_NAME = 'go-slim-image';
export const CLI_VERSION: string = packageJson.version;

/**
 * Defaults that differ from action.yml's off a runner. The Go caches live in the Actions cache
 * service, which @actions/cache reaches only from a runner; locally Go keeps its own caches.
 */
export const CLI_DEFAULTS: Partial<Record<InputKey, string>> = { cache: 'false' };

/** Flags of the CLI itself, next to the inputs' flags; none may share an input's name. */
export const CliFlags = { help: 'help', version: 'version', json: 'json', verbose: 'verbose' } as const;

/** One action input as a command-line flag. */
export interface InputFlag {
  key: InputKey;
  /** The input's name, which is the flag's: `--platforms`. */
  name: string;
  /** Takes true and false: `--x` (true), `--no-x` (false), `--x=<value>` or `--x <value>`. */
  switch: boolean;
  /** The values a switch takes besides true and false (`auto`, `mode=max`), for the help. */
  otherValues: readonly string[];
  /** What applies when the flag is absent ('' when the action decides at run time). */
  default: string;
  /** A list input: the flag may repeat, and its values add up. */
  list: boolean;
}

/** Every input as a flag, in the Inputs table's order: the only source of the CLI's options. */
export function inputFlags(): InputFlag[] {
  return (Object.keys(Inputs) as InputKey[]).map((key) => {
    const input = Inputs[key];
    const def: string = CLI_DEFAULTS[key] ?? input.default;
    const type: InputType = input.type;
    const otherValues = Array.isArray(type) ? type.filter((value) => value !== 'true' && value !== 'false') : [];
    return { key, name: input.name, switch: takesTrueFalse(type), otherValues, default: def, list: type === 'list' || type === 'lines' };
  });
}

/** A command line the CLI cannot run: an unknown flag, a missing value, a stray argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run';
      /** Raw values by input name, exactly as the action would read them. */
      inputs: Record<string, string>;
      json: boolean;
      verbose: boolean;
    };

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known flag closest to a mistyped one, when it is close enough to be what was meant. */
export function closestFlag(typed: string, known: readonly string[]): string | undefined {
  const bare = typed.replace(/^-+/, '').split('=')[0]!;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.startsWith(bare) && bare.length >= 3 ? 0 : editDistance(bare, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(bare.length / 4)) ? best.name : undefined;
}

/** The parseArgs option table: the CLI's own flags, every input's flag, and `--no-<input>` for switches. */
function cliOptions(flags: readonly InputFlag[]): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    [CliFlags.help]: { type: 'boolean', short: 'h' },
    [CliFlags.version]: { type: 'boolean' },
    [CliFlags.json]: { type: 'boolean' },
    [CliFlags.verbose]: { type: 'boolean' },
  };
  for (const flag of flags) {
    options[flag.name] = { type: flag.switch ? 'boolean' : 'string' };
    if (flag.switch) options[`no-${flag.name}`] = { type: 'boolean' };
  }
  return options;
}

/**
 * Collects input values: a list input's values add up, one per line; any other input given twice is
 * a UsageError naming both spellings, rather than one of the two silently winning.
 */
function inputCollector(switches: ReadonlySet<string>, lists: ReadonlySet<string>): { inputs: Record<string, string>; set: (input: string, value: string, rawName: string) => void } {
  const inputs: Record<string, string> = {};
  /** How each input was first written (`--push`, `--no-push`, `--image`), for the repeated-flag message. */
  const given = new Map<string, string>();
  const set = (input: string, value: string, rawName: string) => {
    const earlier = given.get(input);
    if (earlier !== undefined && !lists.has(input)) {
      throw new UsageError(
        `Option '${rawName}' is given again (after ${earlier}): --${input} takes one value` +
          (switches.has(input) ? ', so give it once, as --[no-]' + input + '.' : `; give it once. Flags that take a list (${[...lists].map((l) => `--${l}`).join(', ')}) may repeat.`),
      );
    }
    given.set(input, rawName);
    inputs[input] = earlier !== undefined ? `${inputs[input]}\n${value}` : value;
  };
  return { inputs, set };
}

/**
 * Reads the command line (pure): `--<input> <value>` or `--<input>=<value>` for every action input;
 * for an input that takes true and false also `--<input>` alone (true) and `--no-<input>` (false),
 * whose value may also follow it (`--provenance mode=max`); and the CLI's own flags. Values are
 * passed on raw, for parseConfig to check as it checks the action's. A list input's flag may repeat
 * (its values add up, one per line); any other input given twice is refused, rather than one of the
 * two silently winning. Throws UsageError for what is not a known flag with its value.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const flags = inputFlags();
  const switches = new Set(flags.filter((f) => f.switch).map((f) => f.name));
  const lists = new Set(flags.filter((f) => f.list).map((f) => f.name));
  const cliFlags = new Set<string>(Object.values(CliFlags));
  const options = cliOptions(flags);
  const known = Object.keys(options);

  // Not strict: the checks below give messages that name the fix, and `--push=false` (a value on a
  // boolean flag, as the action's `push: false`) is allowed.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const { inputs, set: setInput } = inputCollector(switches, lists);
  const cli = { help: false, version: false, json: false, verbose: false };
  // A switch given alone, whose value may follow it as the next argument (`--provenance mode=max`):
  // parseArgs sees a boolean option and a positional, and the CLI takes no positionals.
  let bareSwitch: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (bareSwitch === undefined) throw new UsageError(`Unexpected argument '${token.value}': every option is a --flag, and a flag's value follows it (--image ghcr.io/owner/app).`);
      inputs[bareSwitch] = token.value;
      bareSwitch = undefined;
      continue;
    }
    bareSwitch = undefined;
    if (token.kind !== 'option') continue;
    const { name, rawName, value } = token;
    if (!(name in options)) {
      const suggestion = closestFlag(rawName, known);
      throw new UsageError(`Unknown option '${rawName}'${suggestion ? ` (did you mean --${suggestion}?)` : ''}.`);
    }
    if (options[name]!.type === 'string') {
      if (value === undefined) throw new UsageError(`Option '--${name}' needs a value: --${name} <value> or --${name}=<value>.`);
      if (!token.inlineValue && value.startsWith('-')) {
        throw new UsageError(`Option '--${name}' is followed by '${value}', which looks like a flag: write --${name}=${value} if it is the value.`);
      }
      setInput(name, value, rawName);
    } else if (value !== undefined && (cliFlags.has(name) || name.startsWith('no-'))) {
      throw new UsageError(`Option '${rawName}' takes no value.`);
    } else if (cliFlags.has(name)) {
      cli[name as keyof typeof cli] = true;
    } else if (switches.has(name)) {
      setInput(name, value ?? 'true', rawName);
      if (value === undefined) bareSwitch = name;
    } else {
      setInput(name.slice('no-'.length), 'false', rawName);
    }
  }
  if (cli.help) return { kind: 'help' };
  if (cli.version) return { kind: 'version' };
  return { kind: 'run', inputs, json: cli.json, verbose: cli.verbose };
}

/** What parseConfig reads: the flag's value, else the CLI's own default, else '' (the action's default). */
export function cliInputReader(inputs: Readonly<Record<string, string>>): InputReader {
  const cliDefaults = new Map(inputFlags().map((f) => [f.name, CLI_DEFAULTS[f.key] ?? '']));
  return (name) => inputs[name] ?? cliDefaults.get(name) ?? '';
}

/** The usage text, generated from the Inputs table (pure). */
export function renderHelp(): string {
  const flags = inputFlags();
  const label = (f: InputFlag) => (f.switch ? `--[no-]${f.name}${f.otherValues.length > 0 ? ' [<value>]' : ''}` : `--${f.name} <value>`);
  const own: [string, string][] = [
    [`--${CliFlags.json}`, 'print the outputs as one JSON object on stdout (the log stays on stderr)'],
    [`--${CliFlags.verbose}`, 'on a terminal, print every line of long steps instead of a progress line'],
    [`-h, --${CliFlags.help}`, 'show this help'],
    [`--${CliFlags.version}`, 'print the version'],
  ];
  const width = Math.max(...flags.map((f) => label(f).length), ...own.map(([l]) => l.length)) + 2;
  const describe = (f: InputFlag) => {
    // The one input without which nothing runs (parseConfig refuses an empty image).
    if (f.key === 'image') return 'required';
    const values = f.otherValues.length === 0 ? '' : f.switch ? `also ${f.otherValues.join(', ')}` : `one of ${f.otherValues.join(', ')}`;
    if (f.default === '') return values;
    return `default: ${f.default}${CLI_DEFAULTS[f.key] !== undefined ? ` (the action's: ${Inputs[f.key].default})` : ''}${values ? `; ${values}` : ''}`;
  };
  return [
    `${CLI_NAME} ${CLI_VERSION}: build a Go module into a small container image and push it, as the GitHub Action does.`,
    'Needs Node 20+ and Go (a Go matching go.mod is downloaded when none is on PATH). Docker is optional: without it',
    'the direct engine writes and pushes the image; buildx is used for a builder, your own Dockerfile or source mode.',
    '',
    `Usage: ${CLI_NAME} --${Inputs.image.name} <repository> [options]`,
    '',
    'Options: one per action input, with the same name, values and checks (see action.yml or the README).',
    'A flag shown as --[no-]<name> takes true or false (--<name> alone is true), as --<name>=<value> or --<name> <value>.',
    'A list flag may repeat, its values adding up (--tags a --tags b); any other flag is given once.',
    ...flags.map((f) => `  ${label(f).padEnd(width)}${describe(f)}`.trimEnd()),
    '',
    'CLI options:',
    ...own.map(([l, text]) => `  ${l.padEnd(width)}${text}`),
    '',
    'The log goes to stderr; the size report and the outputs (name: value) to stdout.',
    'Exit codes: 0 built, 1 the build failed, 2 bad usage (unknown flag or invalid value).',
    'Environment: RUNNER_TOOL_CACHE (where Go versions are kept; default ~/.cache/go-slim-image/toolcache,',
    '%LOCALAPPDATA%\\go-slim-image\\toolcache on Windows), RUNNER_TEMP (scratch, default a temporary folder),',
    'GITHUB_WORKSPACE (paths must stay inside it; default the current directory).',
    '',
  ].join('\n');
}

/** Where Go versions are kept off a runner (pure): RUNNER_TOOL_CACHE, else the user's cache folder. */
export function defaultToolCache(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (env.RUNNER_TOOL_CACHE) return env.RUNNER_TOOL_CACHE;
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), CLI_NAME, 'toolcache');
  // Where Go's os.UserCacheDir puts caches on macOS (and so GOCACHE): ~/Library/Caches.
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', CLI_NAME, 'toolcache');
  return path.posix.join(env.XDG_CACHE_HOME || path.posix.join(home, '.cache'), CLI_NAME, 'toolcache');
}

/** What the CLI talks to; main() gives it the process's own streams and environment. */
export interface CliIO {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stderr is a terminal that takes ANSI colours. */
  stderrTty: boolean;
  stderrColor: boolean;
  /**
   * Sends what libraries print to stdout (@actions/* workflow commands such as `::debug::`) to
   * `onLine` while the build runs, so stdout carries only the results; returns the undo.
   */
  divertStdout?: (onLine: (line: string) => void) => () => void;
}

const HELP_HINT = `Run '${CLI_NAME} --help' for the options.`;

/** A workflow command line from @actions/core (`::debug::…`, `::warning::…`) as plain text, or undefined to drop it. */
function foreignLine(line: string, verbose: boolean): { warning: boolean; text: string } | undefined {
  const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
  if (!command) return { warning: false, text: line };
  const [, name, text = ''] = command;
  if (name === 'warning' || name === 'error') return { warning: true, text };
  if (name === 'debug' && verbose) return { warning: false, text };
  return undefined;
}

/**
 * The CLI: parses the flags, runs the pipeline with a terminal reporter, does the post-step work,
 * prints the size report and the outputs. Returns the exit code: 0 built, 1 failed, 2 bad usage.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${CLI_NAME}: ${error.message}\n${HELP_HINT}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.stdout.write(renderHelp());
    return 0;
  }
  if (command.kind === 'version') {
    io.stdout.write(`${CLI_NAME} ${CLI_VERSION}\n`);
    return 0;
  }
  return runBuildCommand(command, io);
}

type RunCommand = Extract<CliCommand, { kind: 'run' }>;

/** A build from the command line: the inputs parsed as the action parses them, then the run, the post-step work and the results. */
async function runBuildCommand(command: RunCommand, io: CliIO): Promise<number> {
  const { env } = io;
  const unicode = process.platform !== 'win32' || Boolean(env.WT_SESSION) || env.TERM_PROGRAM === 'vscode';
  const reporter = new TerminalReporter(io.stderr, { live: io.stderrTty, color: io.stderrColor, verbose: command.verbose, unicode, env });
  const workspace = env.GITHUB_WORKSPACE || io.cwd;
  env.GITHUB_WORKSPACE = workspace;
  const read = cliInputReader(command.inputs);
  const token = read(Inputs.githubToken.name);
  if (token) reporter.setSecret(token);
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(read, workspace);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr.write(`${CLI_NAME}: ${error.message}\n${HELP_HINT}\n`);
    return 2;
  }
  announceConfig(config, reporter);
  // The pipeline reports through `staged`, so a failure can name the stage it hit, as the action's does.
  const staged = withStages(reporter);
  const scratch = await scratchFolders(env);
  const { outputs, failure } = await runAndCleanUp(command, io, { config, reporter, tools: defaultTools(staged, { githubToken: token, env }), scratch, workingDirectoryInput: read(Inputs.workingDirectory.name) || Inputs.workingDirectory.default });
  printResults(io, reporter, outputs, failure, { json: command.json, unicode });
  if (failure === undefined) return 0;
  // In the action's words. A bad value the pipeline found (a folder without go.mod, a platform this Go
  // cannot build) is a usage error too, unless the message explains another cause (a cgo package).
  const message = failureMessage(failure, { stage: staged.stage(), workDir: scratch.workDir });
  const usage = failure instanceof InputError && message === failure.message;
  reporter.error(usage ? `${message}\n${HELP_HINT}` : message);
  return usage ? 2 : 1;
}

/** Off a runner: Go versions in the user's cache folder, scratch space in a temporary folder removed at the end. */
async function scratchFolders(env: NodeJS.ProcessEnv): Promise<{ ownTemp?: string; workDir: string }> {
  env.RUNNER_TOOL_CACHE = defaultToolCache(env, process.platform, os.homedir());
  await fs.mkdir(env.RUNNER_TOOL_CACHE, { recursive: true });
  const ownTemp = env.RUNNER_TEMP ? undefined : await fs.mkdtemp(path.join(os.tmpdir(), `${CLI_NAME}-`));
  if (ownTemp) env.RUNNER_TEMP = ownTemp;
  const workDir = await fs.mkdtemp(path.join(env.RUNNER_TEMP!, `${CLI_NAME}-run-`));
  return { ...(ownTemp ? { ownTemp } : {}), workDir };
}

interface CliRun {
  config: ReturnType<typeof parseConfig>;
  reporter: TerminalReporter;
  tools: Tools;
  scratch: { ownTemp?: string; workDir: string };
  workingDirectoryInput: string;
}

/** Runs the pipeline, then the post-step work and the scratch removal, also on Ctrl-C. */
async function runAndCleanUp(command: RunCommand, io: CliIO, { config, reporter, tools, scratch, workingDirectoryInput }: CliRun): Promise<{ outputs: Map<string, string>; failure: unknown }> {
  const { env } = io;
  let cleaned: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaned ??= (async () => {
      // The post-step work the runner would do: save Go caches when they were restored, remove a builder this run created.
      await runPostStep((name) => reporter.state.get(name) ?? '', env, tools);
      await fs.rm(scratch.ownTemp ?? scratch.workDir, { recursive: true, force: true }).catch(() => undefined);
    })());
  // Ctrl-C during a long build still removes the builder and the scratch folder.
  const onInterrupt = () => {
    reporter.close();
    reporter.warning('Interrupted; cleaning up.');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  const restoreStdout = io.divertStdout?.((line) => {
    const shown = foreignLine(line, command.verbose);
    if (shown?.warning) reporter.warning(shown.text);
    else if (shown) reporter.info(shown.text);
  });
  const outputs = new Map<string, string>();
  try {
    const result = await runPipeline(config, { workDir: scratch.workDir, env, workingDirectoryInput }, tools);
    writeOutputs(result.outputs, (name, value) => outputs.set(name, value));
    return { outputs, failure: result.failure };
  } finally {
    reporter.close();
    await cleanUp();
    restoreStdout?.();
    process.removeListener('SIGINT', onInterrupt);
  }
}

/**
 * Results after the log: the summary with the size report, then the outputs (set before a failing
 * size gate too); the error, if any, is the last line on stderr.
 */
function printResults(io: CliIO, reporter: TerminalReporter, outputs: Map<string, string>, failure: unknown, options: { json: boolean; unicode: boolean }): void {
  // The size history's chart is Mermaid for GitHub; a terminal gets sparklines.
  const summary = terminalSummary(reporter.summaries.join('\n').trim(), options.unicode);
  if (options.json) {
    if (summary) io.stderr.write(`\n${summary}\n`);
    if (outputs.size > 0 || !failure) io.stdout.write(`${JSON.stringify(Object.fromEntries(outputs), null, 2)}\n`);
    return;
  }
  if (summary) io.stdout.write(`\n${summary}\n\n`);
  // The size report is the summary just printed; the other outputs as name: value.
  const shown = formatOutputs(outputs, [Outputs.sizeReport]);
  if (shown) io.stdout.write(`${shown}\n`);
}

/** Wraps process.stdout.write so chunks from libraries become lines for `onLine`; the CLI writes through the original. */
function divertProcessStdout(): NonNullable<CliIO['divertStdout']> {
  return (onLine) => {
    const stream = process.stdout;
    const saved = stream.write;
    let partial = '';
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = partial + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const lines = text.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      callback?.();
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = saved;
      if (partial) onLine(partial);
    };
  };
}

/** The process entry: real streams and environment; exits with runCli's code once stdout is flushed. */
export async function main(): Promise<void> {
  const stdoutWrite = process.stdout.write.bind(process.stdout) as (text: string) => boolean;
  const stderr = process.stderr;
  const code = await runCli(process.argv.slice(2), {
    stdout: { write: (text) => stdoutWrite(text) },
    stderr,
    env: process.env,
    cwd: process.cwd(),
    stderrTty: stderr.isTTY === true,
    stderrColor: stderr.isTTY === true && stderr.hasColors(),
    divertStdout: divertProcessStdout(),
  }).catch((error: unknown) => {
    // Only what runCli does not turn into a report itself, such as an unwritable tool cache folder.
    stderr.write(`${CLI_NAME}: ${failureMessage(error)}\n`);
    return 1;
  });
  // A timed-out cache request can leave a socket open that would keep the process alive.
  process.stdout.write('', () => process.exit(code));
}

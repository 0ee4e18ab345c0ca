import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CLI_DEFAULTS, CliFlags, cliInputReader, closestFlag, defaultToolCache, inputFlags, parseCliArgs, renderHelp, runCli, UsageError, type CliIO } from '../../src/cli.js';
import { parseConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { Inputs } from '../../src/inputs.js';

const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string; description: string }>;
};
const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const workspace = '/work/space';

function thrown(task: () => unknown): Error {
  try {
    task();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a throw');
}

function runInputs(argv: string[]): Record<string, string> {
  const command = parseCliArgs(argv);
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
  return command.inputs;
}

/** A CliIO that records what the CLI prints. */
function fakeIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env: {},
    cwd: workspace,
    stderrTty: false,
    stderrColor: false,
  };
}

describe('inputFlags', () => {
  it('has one flag per action.yml input, named as the input', () => {
    expect(inputFlags().map((f) => f.name).sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('makes a switch of every input that takes true and false, and of nothing else', () => {
    const switches = ['cache', 'ca-certificates', 'cgo', 'check-latest', 'load', 'provenance', 'push', 'push-by-digest', 'sbom', 'timezone-data'];
    expect(inputFlags().filter((f) => f.switch).map((f) => f.name).sort()).toEqual(switches.filter((name) => name in action.inputs).sort());
    // Every one of them says so in action.yml: a true/false default or true and false in its description.
    for (const flag of inputFlags().filter((f) => f.switch)) {
      const input = action.inputs[flag.name]!;
      expect([flag.name, ['true', 'false'].includes(input.default ?? '') || /\btrue\b.*\bfalse\b|true\/false/.test(input.description)]).toEqual([flag.name, true]);
    }
  });

  it('keeps the defaults of the Inputs table except the CLI-only ones', () => {
    for (const flag of inputFlags()) expect([flag.name, flag.default]).toEqual([flag.name, CLI_DEFAULTS[flag.key] ?? Inputs[flag.key].default]);
    expect(CLI_DEFAULTS).toEqual({ cache: 'false' });
  });

  it('leaves the CLI flags free of any input name, with or without no-', () => {
    const taken = inputFlags().flatMap((f) => [f.name, `no-${f.name}`]);
    for (const flag of Object.values(CliFlags)) expect(taken).not.toContain(flag);
  });
});

describe('parseCliArgs', () => {
  it.each([
    ['a value after the flag', ['--image', 'ghcr.io/o/app'], { image: 'ghcr.io/o/app' }],
    ['a value after =', ['--image=ghcr.io/o/app'], { image: 'ghcr.io/o/app' }],
    ['a list', ['--platforms', 'linux/amd64,linux/arm64'], { platforms: 'linux/amd64,linux/arm64' }],
    ['a value that starts with a dash, after =', ['--ldflags=-X main.version=1'], { ldflags: '-X main.version=1' }],
    ['an empty value', ['--tags='], { tags: '' }],
    ['a switch', ['--push'], { push: 'true' }],
    ['a negated switch', ['--no-push'], { push: 'false' }],
    ['a switch with =false', ['--push=false'], { push: 'false' }],
    ['a switch value after a space', ['--push', 'false'], { push: 'false' }],
    ['a value other than true and false after =', ['--provenance=mode=max'], { provenance: 'mode=max' }],
    ['a value other than true and false after a space', ['--provenance', 'mode=max', '--image', 'x'], { provenance: 'mode=max', image: 'x' }],
    ['a switch alone before another flag', ['--provenance', '--image', 'x'], { provenance: 'true', image: 'x' }],
    ['a three-way switch', ['--no-ca-certificates', '--timezone-data', 'auto'], { 'ca-certificates': 'false', 'timezone-data': 'auto' }],
    ['a list flag given twice, values added up one per line', ['--tags', 'c1', '--tags=c2,c3', '--platforms', 'linux/amd64', '--platforms', 'linux/arm64'], { tags: 'c1\nc2,c3', platforms: 'linux/amd64\nlinux/arm64' }],
    ['key=value list flags given twice', ['--build-args', 'A=1', '--build-args', 'B=2', '--labels', 'a=1', '--labels', 'b=2', '--annotations', 'x=1', '--annotations', 'y=2'], { 'build-args': 'A=1\nB=2', labels: 'a=1\nb=2', annotations: 'x=1\ny=2' }],
    ['--cache, off by default in the CLI', ['--cache'], { cache: 'true' }],
    ['a value after the -- terminator is not parsed', ['--image', 'x', '--'], { image: 'x' }],
  ])('reads %s', (_name, argv, inputs) => {
    expect(runInputs(argv)).toEqual(inputs);
  });

  it('reads the CLI flags', () => {
    expect(parseCliArgs(['--image', 'x', '--json', '--verbose'])).toEqual({ kind: 'run', inputs: { image: 'x' }, json: true, verbose: true });
    expect(parseCliArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['--image', 'x', '--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['--version'])).toEqual({ kind: 'version' });
  });

  it.each([
    ['an unknown flag, with the closest one', ['--platfrom', 'linux/arm64'], "Unknown option '--platfrom' (did you mean --platforms?)."],
    ['an unknown flag with =', ['--imgae=x'], "Unknown option '--imgae' (did you mean --image?)."],
    ['an unknown flag far from any', ['--frobnicate'], "Unknown option '--frobnicate'."],
    ['a stray argument', ['build'], "Unexpected argument 'build': every option is a --flag, and a flag's value follows it (--image ghcr.io/owner/app)."],
    ['a second argument after a switch', ['--push', 'false', 'true'], "Unexpected argument 'true': every option is a --flag, and a flag's value follows it (--image ghcr.io/owner/app)."],
    ['an argument after a negated switch', ['--no-push', 'false'], "Unexpected argument 'false': every option is a --flag, and a flag's value follows it (--image ghcr.io/owner/app)."],
    ['a flag without its value', ['--image'], "Option '--image' needs a value: --image <value> or --image=<value>."],
    ['a flag where a value should be', ['--image', '--push'], "Option '--image' is followed by '--push', which looks like a flag: write --image=--push if it is the value."],
    ['a value on a negated switch', ['--no-push=true'], "Option '--no-push' takes no value."],
    ['a value on a CLI flag', ['--json=yes'], "Option '--json' takes no value."],
    ['an unknown short flag', ['-x'], "Unknown option '-x'."],
    [
      'a single-value flag given twice',
      ['--image', 'a', '--image', 'b'],
      "Option '--image' is given again (after --image): --image takes one value; give it once. Flags that take a list (--platforms, --tags, --go-build-tags, --expose, --build-args, --labels, --annotations, --secrets, --secret-files) may repeat.",
    ],
    ['a switch given twice, either way', ['--push', '--no-push'], "Option '--no-push' is given again (after --push): --push takes one value, so give it once, as --[no-]push."],
    ['a switch given twice the same way', ['--push', '--push=true'], "Option '--push' is given again (after --push): --push takes one value, so give it once, as --[no-]push."],
  ])('refuses %s', (_name, argv, message) => {
    const error = thrown(() => parseCliArgs(argv));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(message);
  });

  it('leaves a bad switch value to parseConfig, which gives the message the action gives', () => {
    const fromCli = thrown(() => parseConfig(cliInputReader(runInputs(['--image', 'ghcr.io/o/app', '--push=maybe'])), workspace));
    const fromAction = thrown(() => parseConfig((name) => ({ image: 'ghcr.io/o/app', push: 'maybe' })[name] ?? '', workspace));
    expect(fromCli).toBeInstanceOf(InputError);
    expect(fromCli.message).toBe(fromAction.message);
  });
});

describe('cliInputReader', () => {
  it('gives the flag, else the CLI default, else empty for the action default', () => {
    const read = cliInputReader({ image: 'ghcr.io/o/app', platforms: 'linux/arm64' });
    expect(read('platforms')).toBe('linux/arm64');
    expect(read('cache')).toBe('false');
    expect(read('mode')).toBe('');
    expect(cliInputReader({ cache: 'true' })('cache')).toBe('true');
  });

  it('gives parseConfig what the action would, with the Go caches off', () => {
    const config = parseConfig(cliInputReader(runInputs(['--image', 'ghcr.io/o/app', '--no-push', '--load'])), workspace);
    expect(config).toMatchObject({ cache: false, push: false, load: true, mode: 'build', platforms: [{ os: 'linux', arch: 'amd64' }] });
    const asAction = parseConfig((name) => ({ image: 'ghcr.io/o/app', push: 'false', load: 'true', cache: 'false' })[name] ?? '', workspace);
    expect(config).toEqual(asAction);
  });
});

describe('renderHelp', () => {
  const help = renderHelp();

  it('lists every input of action.yml as a flag, switches as --[no-]name', () => {
    for (const flag of inputFlags()) {
      const label = flag.switch ? `--[no-]${flag.name}${flag.otherValues.length > 0 ? ' [<value>]' : ''}` : `--${flag.name} <value>`;
      expect(help).toMatch(new RegExp(`^  ${label.replace(/[[\]]/g, '\\$&')}\\s`, 'm'));
    }
    for (const name of Object.keys(action.inputs)) expect(help).toMatch(new RegExp(`^  --(\\[no-\\])?${name}\\b`, 'm'));
  });

  it('shows the defaults, the CLI-only ones with the action default next to them', () => {
    expect(help).toMatch(/^ {2}--platforms <value>\s+default: linux\/amd64$/m);
    expect(help).toMatch(/^ {2}--\[no-\]cache\s+default: false \(the action's: true\)$/m);
    expect(help).toMatch(/^ {2}--image <value>\s+required$/m);
    expect(help).toMatch(/^ {2}--tags <value>$/m);
    expect(help).toMatch(/^ {2}--\[no-\]provenance \[<value>\]\s+default: true; also mode=min, mode=max$/m);
    expect(help).toMatch(/^ {2}--mode <value>\s+default: build; one of build, merge$/m);
  });

  it('says the CLI needs Node and Go, and Docker only for BuildKit', () => {
    expect(help).toContain('Needs Node 20+ and Go');
    expect(help).toContain('Docker is optional');
    expect(help).not.toMatch(/with Docker buildx/);
  });

  it('names the CLI flags, the exit codes and the version', () => {
    for (const flag of Object.values(CliFlags)) expect(help).toContain(`--${flag}`);
    expect(help).toContain('Exit codes: 0 built, 1 the build failed, 2 bad usage');
    expect(help.split('\n')[0]).toContain(`go-slim-image ${packageVersion}`);
  });

  it('keeps lines short enough for a terminal', () => {
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });
});

describe('closestFlag', () => {
  it.each([
    ['--platform', 'platforms'],
    ['--no-pus', 'no-push'],
    ['--working-dir', 'working-directory'],
    ['--xyz', undefined],
  ])('%s -> %s', (typed, expected) => {
    expect(closestFlag(typed, inputFlags().flatMap((f) => (f.switch ? [f.name, `no-${f.name}`] : [f.name])))).toBe(expected);
  });
});

describe('defaultToolCache', () => {
  it.each([
    ['RUNNER_TOOL_CACHE wins', { RUNNER_TOOL_CACHE: '/opt/hostedtoolcache' }, 'linux', '/home/dev', '/opt/hostedtoolcache'],
    ['~/.cache on Linux', {}, 'linux', '/home/dev', '/home/dev/.cache/go-slim-image/toolcache'],
    ['XDG_CACHE_HOME when set', { XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/dev', '/xdg/go-slim-image/toolcache'],
    ['~/Library/Caches on macOS, as Go keeps its own', {}, 'darwin', '/Users/dev', '/Users/dev/Library/Caches/go-slim-image/toolcache'],
    ['~/Library/Caches on macOS even with XDG_CACHE_HOME (Go ignores it there too)', { XDG_CACHE_HOME: '/xdg' }, 'darwin', '/Users/dev', '/Users/dev/Library/Caches/go-slim-image/toolcache'],
    ['%LOCALAPPDATA% on Windows', { LOCALAPPDATA: 'C:\\Users\\dev\\AppData\\Local' }, 'win32', 'C:\\Users\\dev', 'C:\\Users\\dev\\AppData\\Local\\go-slim-image\\toolcache'],
    ['AppData\\Local under the profile without LOCALAPPDATA', {}, 'win32', 'C:\\Users\\dev', 'C:\\Users\\dev\\AppData\\Local\\go-slim-image\\toolcache'],
  ] as const)('%s', (_name, env, platform, home, expected) => {
    expect(defaultToolCache({ ...env }, platform, home)).toBe(expected);
  });
});

describe('runCli before any build work', () => {
  it('prints the help and the version on stdout with exit code 0', async () => {
    const help = fakeIO();
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.out.join('')).toBe(renderHelp());
    expect(help.err).toEqual([]);
    const version = fakeIO();
    expect(await runCli(['--version'], version)).toBe(0);
    expect(version.out.join('')).toBe(`go-slim-image ${packageVersion}\n`);
  });

  it.each([
    ['an unknown flag', ['--image', 'x', '--platfrom', 'linux/arm64'], "go-slim-image: Unknown option '--platfrom' (did you mean --platforms?).\n"],
    ['a missing image', [], `go-slim-image: Input 'image' has an invalid value "": expected an image name such as ghcr.io/owner/app (required).\n`],
    ['a bad switch value', ['--image', 'ghcr.io/o/app', '--load=maybe'], `go-slim-image: Input 'load' has an invalid value "maybe": expected true or false.\n`],
    ['a bad value', ['--image', 'ghcr.io/o/app', '--platforms', 'windows/amd64'], expect.stringContaining(`Input 'platforms' has an invalid value "windows/amd64": expected linux/<arch> platforms`)],
  ])('exits 2 on %s, with the message and a hint on stderr', async (_name, argv, first) => {
    const io = fakeIO();
    expect(await runCli(argv, io)).toBe(2);
    const [message, hint] = io.err.join('').split(/(?<=\n)/);
    expect(message).toEqual(first);
    expect(hint).toBe("Run 'go-slim-image --help' for the options.\n");
    expect(io.out).toEqual([]);
    // Nothing was prepared: no tool cache, no temporary folder.
    expect(io.env.RUNNER_TOOL_CACHE).toBeUndefined();
    expect(io.env.RUNNER_TEMP).toBeUndefined();
  });
});

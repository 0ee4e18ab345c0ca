import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandError, InputError } from '../../src/errors.js';
import { parseDepsListing } from '../../src/go/deps.js';
import { goTooOldError, mainPackagePaths, mainPackageProblem, mainPackagesHint, requireMainPackage, type GoTool } from '../../src/go/gotool.js';
import type { Exec } from '../../src/tools.js';

describe('main packages go list found', () => {
  it('turns folders into ./relative paths', () => {
    expect(mainPackagePaths('/w/m/cmd/worker\n/w/m\n\n/w/m/cmd/api\n', '/w/m', path.posix)).toEqual(['.', './cmd/api', './cmd/worker']);
    expect(mainPackagePaths('C:\\w\\m\\cmd\\api\r\nC:\\w\\m\r\n', 'C:\\w\\m', path.win32)).toEqual(['.', './cmd/api']);
  });

  it.each([
    [[], 'the module has no main package'],
    [['./cmd/api', './cmd/worker'], 'main packages in the module: ./cmd/api, ./cmd/worker'],
    [Array.from({ length: 12 }, (_, i) => `./cmd/t${i}`), /: \.\/cmd\/t0, .*\.\/cmd\/t9, and 2 more$/],
  ])('%j', (found, hint) => {
    expect(mainPackagesHint(found)).toMatch(hint);
  });
});

describe('a main package outside the module', () => {
  // The named package's row of the one `go list -deps` (ImportPath, Standard, Dir, GoFiles, Name, DepOnly, Module.Path, Module.Main), as go 1.26.8 prints it.
  const fmt = 'fmt\ttrue\t/opt/go/src/fmt\tprint.go\tfmt\ttrue\t\t';
  it.each([
    ['the module\'s own main package', [fmt, 'example.com/hello\tfalse\t/w/m\tmain.go\tmain\tfalse\texample.com/hello\ttrue'], undefined],
    ['cmd/gofmt, a command of the Go distribution', [fmt, 'cmd/gofmt\ttrue\t/opt/go/src/cmd/gofmt\tgofmt.go\tmain\tfalse\t\t'], 'it is a command of the Go distribution, outside the module'],
    ['a dependency\'s command', [fmt, 'example.com/dep/cmd/x\tfalse\t/m/dep/cmd/x\tx.go\tmain\tfalse\texample.com/dep\tfalse'], 'it is a main package of another module (a dependency), outside the module'],
    ['a library package', [fmt, 'example.com/hello\tfalse\t/w/m\thello.go\thello\tfalse\texample.com/hello\ttrue'], 'it is package hello'],
    ['a pattern', ['example.com/hello/a\tfalse\t/w/m/a\tmain.go\tmain\tfalse\texample.com/hello\ttrue', 'example.com/hello/b\tfalse\t/w/m/b\tmain.go\tmain\tfalse\texample.com/hello\ttrue'], 'it is a pattern matching 2 packages; patterns are not accepted'],
    ['nothing listed', [], 'go list found no package'],
  ])('%s', (_name, rows, problem) => {
    expect(mainPackageProblem(parseDepsListing(rows.join('\n')))).toBe(problem);
  });

  it('is refused naming main, before the compile', async () => {
    const tool: GoTool = { go: 'go', version: '1.26.8', goroot: '/opt/go', gocache: '', gomodcache: '', env: {} };
    const exec: Exec = async (_command, args) => ({ stdout: args.includes('./...') ? '/w/m\n' : `${fmt}\ncmd/gofmt\ttrue\t/opt/go/src/cmd/gofmt\tgofmt.go\tmain\tfalse\t\t\n`, stderr: '', exitCode: 0 });
    const error = await requireMainPackage(exec, tool, '/w/m', 'cmd/gofmt').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      'Input \'main\' has an invalid value "cmd/gofmt": expected the path of one main package in the module (it is a command of the Go distribution, outside the module; main packages in the module: .).',
    );
  });
});

describe('a go.mod asking for a newer Go than the one used', () => {
  const stderr = 'go: go.mod requires go >= 1.99.0 (running go 1.26.8; GOTOOLCHAIN=local)';

  it('names go-version, the go.mod line and what to do', () => {
    const error = goTooOldError(stderr, 'module example.com/hello\n\ngo 1.99.0\n');
    expect(error?.input).toBe('go-version');
    expect(error?.message).toBe(
      'Input \'go-version\' has an invalid value "1.26.8": expected Go 1.99.0 or later: go.mod line 3 says "go 1.99.0", and Go 1.26.8 cannot build it. ' +
        'Set go-version (or go-version-file) to 1.99.0 or later, leave both empty to use the version go.mod names, or lower the go line if the module really builds with Go 1.26.8.',
    );
  });

  it('is not taken for any other go error', () => {
    expect(goTooOldError('no Go files in /w/m')).toBeUndefined();
  });

  it('is what requireMainPackage reports, not "no main package"', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gsi-gomod-'));
    writeFileSync(path.join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.99.0\n');
    const tool: GoTool = { go: 'go', version: '1.26.8', goroot: '/opt/go', gocache: '', gomodcache: '', env: {} };
    const exec: Exec = async () => {
      throw new CommandError('go list', 1, stderr);
    };
    await expect(requireMainPackage(exec, tool, dir, '.')).rejects.toThrow(/^Input 'go-version' has an invalid value "1\.26\.8": expected Go 1\.99\.0 or later: go\.mod line 3 says "go 1\.99\.0"/);
  });
});

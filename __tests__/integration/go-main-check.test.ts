import { describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execCommand } from '../../src/exec.js';
import { describeGo, requireMainPackage } from '../../src/go/gotool.js';
import { repoRoot } from '../helpers/action.js';

/**
 * The main-package check against the real go command (the unit tests feed it go's output): a Go
 * command outside the module is refused naming main, and a go.mod asking for a newer Go names
 * go-version and the go line, not "no main package".
 */
describe('requireMainPackage with the real go command', () => {
  const hello = path.join(repoRoot, 'examples', 'hello');
  const env = { ...process.env, GOTOOLCHAIN: 'local' };

  it('refuses cmd/gofmt, a command of the Go distribution, naming main', async () => {
    const tool = await describeGo(execCommand, 'go', env);
    await expect(requireMainPackage(execCommand, tool, hello, 'cmd/gofmt')).rejects.toThrow(
      /^Input 'main' has an invalid value "cmd\/gofmt": expected the path of one main package in the module \(it is a command of the Go distribution, outside the module; main packages in the module: \.\)\.$/,
    );
    await expect(requireMainPackage(execCommand, tool, hello, '.')).resolves.toBeUndefined();
  }, 120_000);

  it('names go-version and the go line when go.mod asks for a newer Go', async () => {
    const tool = await describeGo(execCommand, 'go', env);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-newer-go-'));
    await fs.cp(hello, dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.99.0\n');
    await expect(requireMainPackage(execCommand, tool, dir, '.')).rejects.toThrow(
      new RegExp(`^Input 'go-version' has an invalid value "${tool.version.replace(/\./g, '\\.')}": expected Go 1\\.99\\.0 or later: go\\.mod line 3 says "go 1\\.99\\.0"`),
    );
    await fs.rm(dir, { recursive: true, force: true });
  }, 120_000);
});

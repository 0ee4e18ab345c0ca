import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A bin folder holding symlinks to node, go, git and the coreutils programs, and nothing else: a
 * runner PATH with no docker CLI, buildx plugin or buildkitd, for the direct engine.
 */
export async function bareBin(): Promise<string> {
  const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-bare-bin-'));
  const coreutils = execFileSync('dpkg', ['-L', 'coreutils'], { encoding: 'utf8' })
    .split('\n')
    .filter((file) => /^\/(usr\/)?bin\/[^/]+$/.test(file));
  const programs = new Map<string, string>([
    ['node', process.execPath],
    ['go', execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim() + '/bin/go'],
    ['git', execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()],
    ...coreutils.map((file): [string, string] => [path.basename(file), file]),
  ]);
  for (const [name, target] of programs) await fs.symlink(target, path.join(bin, name)).catch(() => undefined);
  return bin;
}

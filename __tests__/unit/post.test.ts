import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeWorkDir } from '../../src/post.js';

describe('removeWorkDir', () => {
  let temp: string;
  beforeEach(async () => {
    temp = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-post-unit-'));
  });
  afterEach(async () => {
    await fs.chmod(temp, 0o755).catch(() => undefined);
    await fs.rm(temp, { recursive: true, force: true });
  });

  it('removes the work folder with everything in it, read-only folders too', async () => {
    const dir = path.join(temp, 'go-slim-image-0a1b2c3d');
    await fs.mkdir(path.join(dir, 'context/bin/linux_amd64'), { recursive: true });
    await fs.writeFile(path.join(dir, 'context/bin/linux_amd64/hello'), 'binary');
    await fs.mkdir(path.join(dir, 'mod/example.com/x@v1.0.0'), { recursive: true });
    await fs.writeFile(path.join(dir, 'mod/example.com/x@v1.0.0/x.go'), 'package x');
    await fs.chmod(path.join(dir, 'mod/example.com/x@v1.0.0'), 0o555);
    await fs.chmod(path.join(dir, 'mod/example.com'), 0o555);
    expect(await removeWorkDir(dir)).toBe(true);
    expect(await fs.readdir(temp)).toEqual([]);
  });

  it('has nothing to do when main never created the folder', async () => {
    expect(await removeWorkDir(path.join(temp, 'go-slim-image-ffffffff'))).toBe(false);
  });

  it.each(['/', '/home/runner', 'go-slim-image-0a1b2c3d', '/tmp/gsi-post/../other', ''])('refuses %j: not a work folder of this action', async (dir) => {
    await expect(removeWorkDir(dir)).rejects.toThrow(/is not a work folder of this action/);
  });
});

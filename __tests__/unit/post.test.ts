import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { State } from '../../src/inputs.js';
import { parsePostState, removeWorkDir, runPostStep } from '../../src/post-step.js';
import { fakeTools } from '../helpers/fake-tools.js';

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

describe('runPostStep: the post step of the action and the CLI, through the Tools object', () => {
  const cacheState = JSON.stringify({
    version: 1,
    runStartMs: 1,
    module: { path: '/tmp/gomod', key: 'k1', restoredKey: 'k1', hit: true, restoredIntoEmpty: false },
    build: { path: '/tmp/gobuild', key: 'k2', restoredKey: 'k2', hit: true, restoredIntoEmpty: false },
  });
  const reading = (state: Record<string, string>) => (name: string) => state[name] ?? '';

  it('parses the saved state: an unknown cache-save value warns and skips the save, never guessed', () => {
    const warnings: string[] = [];
    const state = parsePostState(reading({ [State.goCaches]: cacheState, [State.cacheSave]: 'sometimes', [State.builderToRemove]: 'gsi-1' }), (m) => warnings.push(m));
    expect(state).toEqual({ builder: 'gsi-1' });
    expect(warnings).toEqual([expect.stringMatching(/not saved, the saved cache-save value "sometimes" is not one of auto, always, never/)]);
    expect(parsePostState(reading({ [State.goCaches]: cacheState }), () => undefined).caches?.saveMode).toBe('auto');
    expect(parsePostState(reading({ [State.goCaches]: 'not json' }), () => undefined)).toEqual({});
  });

  it('saves the caches in their group, removes the builder and reports a work folder it must not touch, each whatever the others did', async () => {
    const tools = fakeTools([({ command, args }) => (command === 'docker' && args[1] === 'rm' ? '' : undefined)]);
    await runPostStep(reading({ [State.goCaches]: cacheState, [State.cacheSave]: 'never', [State.builderToRemove]: 'gsi-1', [State.workDir]: '/etc' }), { GITHUB_EVENT_NAME: 'push' }, tools);
    expect(tools.reporter.lines).toEqual(['[group] Saving Go caches', 'Go caches: not saved (event push, cache-save: never).', 'Removed the builder gsi-1']);
    expect(tools.calls.map((c) => `${c.command} ${c.args.join(' ')}`)).toEqual(['docker buildx rm --force gsi-1']);
    expect(tools.reporter.warnings).toEqual([expect.stringMatching(/^Post step: the work folder was not removed: Not removing "\/etc"/)]);
  });

  it('warns and goes on when a part fails', async () => {
    const tools = fakeTools([]);
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-post-')), 'go-slim-image-00');
    await fs.mkdir(dir);
    await runPostStep(reading({ [State.builderToRemove]: 'gsi-2', [State.workDir]: dir }), {}, tools);
    expect(tools.reporter.warnings).toEqual([expect.stringMatching(/^Post step: the builder gsi-2 was not removed \(remove it with docker buildx rm gsi-2\): /)]);
    expect(tools.reporter.lines).toEqual([`Removed the work folder ${dir}`]);
    await expect(fs.access(dir)).rejects.toThrow();
  });
});

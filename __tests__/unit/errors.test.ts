import { describe, expect, it } from '@jest/globals';
import os from 'node:os';
import path from 'node:path';
import { CommandError, diskFullMessage, diskFullPath, freeSpace, isDiskFull, withStages } from '../../src/errors.js';
import { failureMessage } from '../../src/failure.js';
import type { Reporter } from '../../src/reporter.js';

/** Node's own error for a write(2) that did not fit (fs.writeSync on a full tmpfs): no path in it. */
const nodeWrite = Object.assign(new Error('ENOSPC: no space left on device, write'), { errno: -28, syscall: 'write', code: 'ENOSPC' });
const nodeOpen = Object.assign(new Error("ENOSPC: no space left on device, open '/runner/_temp/go-slim-image-0a1b2c3d/context/Dockerfile'"), {
  errno: -28,
  syscall: 'open',
  code: 'ENOSPC',
  path: '/runner/_temp/go-slim-image-0a1b2c3d/context/Dockerfile',
});
/** `go build -o` into a full 1 MiB tmpfs, verbatim (Go 1.26). */
const goBuild = new CommandError(
  'go build -trimpath',
  1,
  'example.com/hello: go build example.com/hello: copying /tmp/go-build3331243036/b001/exe/a.out to /tmp/reliab-x/hello: write /tmp/reliab-x/hello: no space left on device',
);

describe('disk-full errors', () => {
  it.each<[string, unknown, boolean, string | undefined]>([
    ["Node's write (no path)", nodeWrite, true, undefined],
    ["Node's open (error.path)", nodeOpen, true, '/runner/_temp/go-slim-image-0a1b2c3d/context/Dockerfile'],
    ["go build's copy: the destination, not go's own temp file", goBuild, true, '/tmp/reliab-x/hello'],
    ['BuildKit', new Error('ERROR: failed to solve: failed to copy: write /var/lib/buildkit/runc-overlayfs/content/ingest/ab12/data: no space left on device'), true, '/var/lib/buildkit/runc-overlayfs/content/ingest/ab12/data'],
    ['another error', new Error('denied: requested access to the resource is denied'), false, undefined],
  ])('%s', (_name, error, full, file) => {
    expect(isDiskFull(error)).toBe(full);
    if (full) expect(diskFullPath(error)).toBe(file);
  });

  it.each<[string, Parameters<typeof diskFullMessage>[0], string]>([
    [
      'everything known',
      { detail: 'ENOSPC: no space left on device, write', stage: 'Compiling . for linux/amd64', path: '/t/go-slim-image-1/context/bin/linux_amd64/hello', free: { path: '/t', freeBytes: 4096, totalBytes: 1 << 20 } },
      'No space left on device while compiling . for linux/amd64: /t/go-slim-image-1/context/bin/linux_amd64/hello did not fit. Now 4.00 KiB free of 1.00 MiB on the file system of /t (measured after the failure: the tool may have deleted its partial file).\nENOSPC: no space left on device, write\n',
    ],
    [
      'between two stages, no path',
      { detail: 'ENOSPC: no space left on device, write', stage: 'after building the image with buildx', free: { path: '/t/go-slim-image-1', freeBytes: 0, totalBytes: 1 << 30 } },
      'No space left on device after building the image with buildx. Now 0 B free of 1.00 GiB on the file system of /t/go-slim-image-1 (measured after the failure: the tool may have deleted its partial file).\nENOSPC: no space left on device, write\n',
    ],
    ['nothing known', { detail: 'ENOSPC: no space left on device, write' }, 'No space left on device.\nENOSPC: no space left on device, write\n'],
  ])('the message names stage, path and free space: %s', (_name, info, start) => {
    const message = diskFullMessage(info);
    expect(message.startsWith(start)).toBe(true);
    expect(message).toMatch(/Hint: free space on the runner's disk \(RUNNER_TEMP, GOCACHE, GOMODCACHE/);
  });

  it('failureMessage measures the named file system, else the work folder, else leaves other errors alone', () => {
    const temp = os.tmpdir();
    const withPath = failureMessage(Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC', path: path.join(temp, 'no/such/dir/file') }), { stage: 'Pushing the image' });
    expect(withPath).toMatch(new RegExp(`^No space left on device while pushing the image: ${temp}/no/such/dir/file did not fit\\. Now [\\d.]+ (B|KiB|MiB|GiB|TiB) free of [\\d.]+ \\w+ on the file system of ${temp} \\(measured`));
    expect(failureMessage(nodeWrite, { workDir: path.join(temp, 'go-slim-image-00000000') })).toContain(`on the file system of ${temp} (measured`);
    expect(failureMessage(new Error('plain'), { stage: 'x' })).toBe('plain');
  });

  it('freeSpace measures the nearest existing folder', () => {
    const measured = freeSpace(path.join(os.tmpdir(), 'does', 'not', 'exist'));
    expect(measured?.path).toBe(os.tmpdir());
    expect(measured!.totalBytes).toBeGreaterThan(0);
    expect(measured!.freeBytes).toBeLessThanOrEqual(measured!.totalBytes);
  });
});

describe('withStages', () => {
  it('knows the group that is running, and the last one between groups', async () => {
    const base = { group: <T>(_title: string, task: () => Promise<T>) => task() } as unknown as Reporter;
    const reporter = withStages(base);
    expect(reporter.stage()).toBeUndefined();
    const seen: (string | undefined)[] = [];
    await reporter.group('Compiling . for linux/amd64', async () => void seen.push(reporter.stage()));
    seen.push(reporter.stage());
    await expect(reporter.group('Building the image with buildx', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    seen.push(reporter.stage());
    expect(seen).toEqual(['Compiling . for linux/amd64', 'after compiling . for linux/amd64', 'Building the image with buildx']);
  });

  it('wraps a reporter that is a class instance (the CLI\'s), whose methods are on its prototype', async () => {
    class Recording implements Reporter {
      readonly lines: string[] = [];
      info(message: string) { this.lines.push(`info ${message}`); }
      warning(message: string) { this.lines.push(`warning ${message}`); }
      group<T>(title: string, task: () => Promise<T>) { this.lines.push(`group ${title}`); return task(); }
      setSecret(value: string) { this.lines.push(`secret ${value}`); }
      async addSummary(markdown: string) { this.lines.push(`summary ${markdown}`); }
      saveState(name: string, value: string) { this.lines.push(`state ${name}=${value}`); }
      exportVariable(name: string, value: string) { this.lines.push(`env ${name}=${value}`); }
      addPath(dir: string) { this.lines.push(`path ${dir}`); }
    }
    const inner = new Recording();
    const reporter = withStages(inner);
    await reporter.group('Pushing', async () => {
      reporter.info('i');
      reporter.warning('w');
      reporter.setSecret('s');
      await reporter.addSummary('m');
      reporter.saveState('k', 'v');
      reporter.exportVariable('E', '1');
      reporter.addPath('/bin');
    });
    expect(inner.lines).toEqual(['group Pushing', 'info i', 'warning w', 'secret s', 'summary m', 'state k=v', 'env E=1', 'path /bin']);
    expect(reporter.stage()).toBe('after pushing');
  });
});

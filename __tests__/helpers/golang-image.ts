import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Stack } from './stack.js';

/**
 * A golang builder image made here, since no public registry is reachable: scratch + Debian's
 * static busybox (for /bin/sh) + this machine's Go installation at /usr/local/go. Pushed once to
 * the local registry with crane and reused while the registry keeps its data.
 */
export async function golangImage(s: Stack): Promise<string> {
  const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  const version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim().replace(/^go/, '');
  const ref = `${s.registry}/test-base/golang:${version}`;
  const crane = path.join(s.toolsBin, 'crane');
  if (spawnSync(crane, ['digest', ref, '--insecure']).status === 0) return ref;

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-golang-'));
  const rootfs = path.join(dir, 'rootfs');
  await fs.mkdir(path.join(rootfs, 'bin'), { recursive: true });
  await fs.mkdir(path.join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
  await fs.copyFile('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  await fs.chmod(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'ls', 'cat', 'mkdir', 'rm', 'cp', 'mv', 'env', 'uname', 'true']) await fs.symlink('busybox', path.join(rootfs, 'bin', applet));
  execFileSync('tar', ['-C', rootfs, '-cf', path.join(dir, 'busybox.tar'), '.']);
  execFileSync('tar', [
    '-C', goroot, '--exclude=./test', '--exclude=./api', '--exclude=./misc', '--exclude=./doc',
    '--transform', 's,^\\.,usr/local/go,', '-cf', path.join(dir, 'go.tar'), '.',
  ]);
  execFileSync(crane, ['append', '--oci-empty-base', '-f', path.join(dir, 'busybox.tar'), '-f', path.join(dir, 'go.tar'), '-t', ref, '--insecure'], { stdio: 'ignore' });
  execFileSync(
    crane,
    ['mutate', ref, '--set-platform', `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`, '-e', 'PATH=/usr/local/go/bin:/go/bin:/bin', '-e', 'GOPATH=/go', '-w', '/go', '-t', ref, '--insecure'],
    { stdio: 'ignore' },
  );
  await fs.rm(dir, { recursive: true, force: true });
  return ref;
}

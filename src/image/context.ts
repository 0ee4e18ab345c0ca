import path from 'node:path';
import { promises as fs } from 'node:fs';
import { renderAccountFiles, renderDockerfile, renderDockerignore, ROOTFS_DIR, type DockerfileSpec } from './dockerfile.js';

export interface BuildContext {
  dir: string;
  dockerfile: string;
  /** Bytes of the files BuildKit will receive (the .dockerignore'd context). */
  bytes: number;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Gives every file and folder the same mtime so layers do not depend on when they were written. */
async function pinTimes(dir: string, epochSeconds: number): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    await fs.utimes(path.join(entry.parentPath, entry.name), epochSeconds, epochSeconds);
  }
  await fs.utimes(dir, epochSeconds, epochSeconds);
}

/**
 * Writes the Dockerfile, .dockerignore and rootfs files into `dir`, next to the `bin/` folder the
 * compile step filled, and returns what BuildKit will be sent.
 */
export async function writeBuildContext(dir: string, spec: DockerfileSpec, sourceDateEpoch: number): Promise<BuildContext> {
  const etc = path.join(dir, ROOTFS_DIR, 'etc');
  await fs.mkdir(etc, { recursive: true });
  const accounts = renderAccountFiles();
  await fs.writeFile(path.join(etc, 'passwd'), accounts.passwd, { mode: 0o644 });
  await fs.writeFile(path.join(etc, 'group'), accounts.group, { mode: 0o644 });
  const dockerfile = path.join(dir, 'Dockerfile');
  await fs.writeFile(dockerfile, renderDockerfile(spec));
  await fs.writeFile(path.join(dir, '.dockerignore'), renderDockerignore());
  await pinTimes(dir, sourceDateEpoch);
  const sent = (await folderBytes(path.join(dir, ROOTFS_DIR))) + (await folderBytes(path.join(dir, 'bin')));
  return { dir, dockerfile, bytes: sent };
}

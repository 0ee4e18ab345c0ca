import path from 'node:path';
import { promises as fs } from 'node:fs';
import { rootCertificates } from 'node:tls';
import {
  CA_BUNDLE_PATH,
  renderAccountFiles,
  renderPrebuiltDockerfile,
  renderPrebuiltDockerignore,
  renderSourceDockerfile,
  renderSourceDockerignore,
  ZONEINFO_PATH,
  type FinalStageSpec,
  type RootfsSpec,
  type SourceBuildSpec,
} from './dockerfile.js';

/** What buildx is pointed at. */
export interface BuildContext {
  /** The main build context folder. */
  dir: string;
  dockerfile: string;
  /** Named contexts (`--build-context name=dir`). */
  namedContexts: Record<string, string>;
  /** Bytes of the files BuildKit will receive, when the action can tell. */
  bytes?: number;
}

/**
 * The CA bundle put into images: the Mozilla root store that ships inside the action's own Node
 * runtime (`tls.rootCertificates`). It is the same on Linux, macOS and Windows runners (Windows has
 * no CA file to copy) and changes only when the runtime does, which keeps images reproducible.
 */
export function caBundle(): string {
  return `${rootCertificates.join('\n')}\n`;
}

/** Gives every file and folder the same mtime so layers do not depend on when they were written. */
async function pinTimes(dir: string, epochSeconds: number): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    await fs.utimes(path.join(entry.parentPath, entry.name), epochSeconds, epochSeconds);
  }
  await fs.utimes(dir, epochSeconds, epochSeconds);
}

/**
 * Folders 0755, binaries (under `bin/`) 0755, other files 0644, whatever the umask: BuildKit copies
 * the modes it finds, and the direct engine writes these, so both engines give the same layers.
 */
async function pinModes(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const binary = path.relative(dir, file).split(path.sep)[0] === 'bin';
    if (entry.isDirectory() || entry.isFile()) await fs.chmod(file, entry.isDirectory() || binary ? 0o755 : 0o644);
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Writes /etc/passwd, /etc/group and, when asked, the CA bundle and Go's zoneinfo.zip. */
export async function writeRootfs(dir: string, spec: RootfsSpec, goroot: string): Promise<void> {
  const write = async (file: string, content: string | Buffer) => {
    const target = path.join(dir, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content, { mode: 0o644 });
  };
  const accounts = renderAccountFiles();
  await write('etc/passwd', accounts.passwd);
  await write('etc/group', accounts.group);
  if (spec.caCertificates) await write(CA_BUNDLE_PATH, caBundle());
  if (spec.zoneinfo) await write(ZONEINFO_PATH, await fs.readFile(path.join(goroot, 'lib', 'time', 'zoneinfo.zip')));
}

/** Prebuilt mode: the Dockerfile, .dockerignore and rootfs next to the `bin/` folder the compile step filled. */
export async function writePrebuiltContext(dir: string, spec: FinalStageSpec, goroot: string, sourceDateEpoch: number): Promise<BuildContext> {
  await writeRootfs(path.join(dir, 'rootfs'), spec.rootfs, goroot);
  const dockerfile = path.join(dir, 'Dockerfile');
  await fs.writeFile(dockerfile, renderPrebuiltDockerfile(spec));
  await fs.writeFile(path.join(dir, '.dockerignore'), renderPrebuiltDockerignore());
  await pinModes(dir);
  await pinTimes(dir, sourceDateEpoch);
  const bytes = (await folderBytes(path.join(dir, 'rootfs'))) + (await folderBytes(path.join(dir, 'bin')));
  return { dir, dockerfile, namedContexts: {}, bytes };
}

/**
 * Source mode: the Go module folder is the context; the generated Dockerfile and its
 * `Dockerfile.dockerignore` (BuildKit reads an ignore file named after the Dockerfile) live in the
 * action's own folder so nothing is written into the user's checkout.
 */
export async function writeSourceContext(
  dir: string,
  moduleDir: string,
  spec: FinalStageSpec,
  build: SourceBuildSpec,
  goroot: string,
  sourceDateEpoch: number,
): Promise<BuildContext> {
  const rootfs = path.join(dir, 'rootfs');
  await writeRootfs(rootfs, spec.rootfs, goroot);
  await pinTimes(rootfs, sourceDateEpoch);
  const dockerfile = path.join(dir, 'Dockerfile');
  await fs.writeFile(dockerfile, renderSourceDockerfile(spec, build));
  await fs.writeFile(`${dockerfile}.dockerignore`, renderSourceDockerignore());
  return { dir: moduleDir, dockerfile, namedContexts: { rootfs } };
}

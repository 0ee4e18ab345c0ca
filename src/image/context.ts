import { createHash } from 'node:crypto';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { CA_BUNDLE_PEM, CA_BUNDLE_SOURCE } from './ca-bundle.generated.js';
import {
  CA_BUNDLE_PATH,
  IMAGE_EPOCH,
  renderAccountFiles,
  renderPrebuiltDockerfile,
  renderPrebuiltDockerignore,
  renderSourceDockerfile,
  renderSourceDockerignore,
  rootfsFiles,
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
  /** Where the CA bundle in the image comes from (CA_BUNDLE_SOURCE), when the image has one. */
  caBundle?: string;
}

/**
 * The CA bundle put into images: Mozilla's root store as a pinned Debian ca-certificates package
 * ships it (scripts/ca-bundle.mjs, version in scripts/versions.env). Data inside the action, not the
 * running Node's `tls.rootCertificates`, so the same commit gives the same image on every runner,
 * whatever its Node version or OS.
 */
export function caBundle(): string {
  return CA_BUNDLE_PEM;
}

function caBundleSource(spec: RootfsSpec): Pick<BuildContext, 'caBundle'> {
  return spec.caCertificates ? { caBundle: CA_BUNDLE_SOURCE } : {};
}

/** Ten years of seconds: the span content-derived file times are spread over, after IMAGE_EPOCH. */
const CONTENT_TIME_SPAN = 10 * 365 * 24 * 3600;

/**
 * A file's time in the build context, derived from its content and always after IMAGE_EPOCH.
 * BuildKit re-sends a context file only when its size or time changed, so a time that did not
 * follow the content would let a new binary of the same size be taken for the one it already has;
 * the exporter (`rewrite-timestamp` with `source-date-epoch=IMAGE_EPOCH`) then lowers every later
 * time to IMAGE_EPOCH, so the image holds IMAGE_EPOCH, as the direct engine writes it.
 */
export function contentTime(content: Uint8Array): number {
  return IMAGE_EPOCH + 1 + (createHash('sha256').update(content).digest().readUInt32BE(0) % CONTENT_TIME_SPAN);
}

/**
 * Folders get IMAGE_EPOCH, files a time derived from their content (contentTime), so the context
 * does not depend on when, or for which commit, it was written.
 */
async function pinTimes(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const time = entry.isFile() ? contentTime(await fs.readFile(file)) : IMAGE_EPOCH;
    await fs.utimes(file, time, time);
  }
  await fs.utimes(dir, IMAGE_EPOCH, IMAGE_EPOCH);
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
  const contents: Record<string, () => Promise<string | Buffer> | string> = {
    'etc/passwd': () => accounts.passwd,
    'etc/group': () => accounts.group,
    [CA_BUNDLE_PATH.slice(1)]: caBundle,
    [ZONEINFO_PATH.slice(1)]: () => fs.readFile(path.join(goroot, 'lib', 'time', 'zoneinfo.zip')),
  };
  for (const file of rootfsFiles(spec)) await write(file, await contents[file]!());
}

/** Prebuilt mode: the Dockerfile, .dockerignore and rootfs next to the `bin/` folder the compile step filled. */
export async function writePrebuiltContext(dir: string, spec: FinalStageSpec, goroot: string): Promise<BuildContext> {
  await writeRootfs(path.join(dir, 'rootfs'), spec.rootfs, goroot);
  const dockerfile = path.join(dir, 'Dockerfile');
  await fs.writeFile(dockerfile, renderPrebuiltDockerfile(spec));
  await fs.writeFile(path.join(dir, '.dockerignore'), renderPrebuiltDockerignore());
  await pinModes(dir);
  await pinTimes(dir);
  const bytes = (await folderBytes(path.join(dir, 'rootfs'))) + (await folderBytes(path.join(dir, 'bin')));
  return { dir, dockerfile, namedContexts: {}, bytes, ...caBundleSource(spec.rootfs) };
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
): Promise<BuildContext> {
  const rootfs = path.join(dir, 'rootfs');
  await writeRootfs(rootfs, spec.rootfs, goroot);
  await pinTimes(rootfs);
  const dockerfile = path.join(dir, 'Dockerfile');
  await fs.writeFile(dockerfile, renderSourceDockerfile(spec, build));
  await fs.writeFile(`${dockerfile}.dockerignore`, renderSourceDockerignore());
  return { dir: moduleDir, dockerfile, namedContexts: { rootfs }, ...caBundleSource(spec.rootfs) };
}

/** The generated Dockerfile for the job summary, collapsed: the image both engines build. */
export async function dockerfileDetails(context: BuildContext): Promise<string> {
  const text = await fs.readFile(context.dockerfile, 'utf8');
  return `<details><summary>Generated Dockerfile (the image both engines build)</summary>\n\n\`\`\`dockerfile\n${text.trimEnd()}\n\`\`\`\n\n</details>\n`;
}

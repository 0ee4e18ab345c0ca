import fs from 'node:fs';
import path, { type PlatformPath } from 'node:path';
import { InputError } from '../errors.js';

/** The file-system calls path checks make; node:fs by default. */
export interface PathFs {
  realpathSync(file: string): string;
  lstatSync(file: string): { isSymbolicLink(): boolean };
  readlinkSync(file: string): string;
}

const MAX_LINKS = 40;

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Where `file` really is, every symbolic link followed. A path that does not exist (yet) keeps its
 * missing tail under the real path of its deepest existing folder; a dangling link is followed to its
 * target all the same, so a link cannot hide where it points until the target appears.
 */
export function realPath(file: string, fsImpl: PathFs = fs, links = 0, pathImpl: PlatformPath = path): string {
  try {
    return fsImpl.realpathSync(file);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  let isLink = false;
  try {
    isLink = fsImpl.lstatSync(file).isSymbolicLink();
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  const parent = pathImpl.dirname(file);
  if (parent === file) return file;
  const realParent = realPath(parent, fsImpl, links, pathImpl);
  if (!isLink) return pathImpl.join(realParent, pathImpl.basename(file));
  if (links >= MAX_LINKS) throw new Error(`${file}: too many levels of symbolic links`);
  return realPath(pathImpl.resolve(realParent, fsImpl.readlinkSync(file)), fsImpl, links + 1, pathImpl);
}

/**
 * Resolves a path input against `base` (the workspace unless said) and refuses one that leaves the
 * workspace, by its text (`../x`, `/etc`) or through a symbolic link. Returns the real path, so what is
 * checked is what is used. `pathImpl` is the host's path module; tests pass path.win32 to check a
 * Windows runner's paths from Linux.
 */
export function resolveInside(workspace: string, input: string, value: string, base = workspace, fsImpl: PathFs = fs, pathImpl: PlatformPath = path): string {
  const realWorkspace = realPath(pathImpl.resolve(workspace), fsImpl, 0, pathImpl);
  const written = pathImpl.resolve(base, value);
  const resolved = realPath(written, fsImpl, 0, pathImpl);
  if (!isInside(realWorkspace, resolved, pathImpl)) {
    const throughLink = isInside(pathImpl.resolve(workspace), written, pathImpl) || isInside(realWorkspace, written, pathImpl);
    throw new InputError(input, value, `a path inside the workspace (${workspace})${throughLink ? `; it leads to ${resolved} through a symbolic link` : ''}`);
  }
  return resolved;
}

function isInside(root: string, file: string, pathImpl: PlatformPath): boolean {
  const relative = pathImpl.relative(root, file);
  return relative !== '..' && !relative.startsWith(`..${pathImpl.sep}`) && !pathImpl.isAbsolute(relative);
}

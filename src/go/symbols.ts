import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Exec } from '../tools.js';
import { goEnv, type Platform } from '../platform.js';
import { attribute, parseBuildInfo, parseNm, type Attribution } from '../report/attribution.js';
import { fileBackedRanges } from './elf-segments.js';

export interface UnstrippedBuild {
  platform: Platform;
  mainPackage: string;
  buildTags: readonly string[];
  /** The user's ldflags; `-s` and `-w` are dropped so the symbol table stays. */
  userLdflags: string;
  output: string;
}

/** Drops -s and -w from ldflags (pure): the copy must keep its symbol table. */
export function keepSymbols(ldflags: string): string {
  return ldflags
    .split(/\s+/)
    .filter((flag) => flag && !/^-(s|w)(=true)?$/.test(flag))
    .join(' ');
}

/** The `go build` argv of the unstripped copy: the shipped build's flags minus stripping (pure). */
export function unstrippedBuildCommand(request: UnstrippedBuild): { args: string[]; env: Record<string, string> } {
  const args = ['build', '-trimpath'];
  const ldflags = keepSymbols(request.userLdflags);
  if (ldflags) args.push('-ldflags', ldflags);
  if (request.buildTags.length > 0) args.push('-tags', request.buildTags.join(','));
  args.push('-o', request.output, request.mainPackage);
  return { args, env: { CGO_ENABLED: '0', ...goEnv(request.platform) } };
}

export interface GoCommand {
  go: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  exec: Exec;
}

/** Reads the module attribution of a built binary that still has its symbol table. */
export async function attributeBinary(tool: GoCommand, binary: string): Promise<Attribution> {
  const [nm, version, file] = await Promise.all([
    tool.exec(tool.go, ['tool', 'nm', '-size', '-sort', 'size', binary], { cwd: tool.cwd, env: tool.env }),
    tool.exec(tool.go, ['version', '-m', binary], { cwd: tool.cwd, env: tool.env }),
    fs.readFile(binary),
  ]);
  return attribute(parseNm(nm.stdout), parseBuildInfo(version.stdout), fileBackedRanges(file));
}

/**
 * Builds an unstripped copy of the package for one platform in a temporary folder (the Go build
 * cache makes this mostly a link step after the real build), attributes it, and removes it.
 */
export async function attributePackage(tool: GoCommand, request: Omit<UnstrippedBuild, 'output'>): Promise<Attribution> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-nm-'));
  try {
    const { args, env } = unstrippedBuildCommand({ ...request, output: path.join(dir, 'unstripped') });
    await tool.exec(tool.go, args, { cwd: tool.cwd, env: { ...tool.env, ...env } });
    return await attributeBinary(tool, path.join(dir, 'unstripped'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

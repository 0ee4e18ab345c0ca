import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { goEnv, platformSlug, type Platform } from '../platform.js';

/** The flags every binary is built with: static, stripped, reproducible. */
export const STRIP_LDFLAGS = '-s -w -buildid=';

export interface CompileRequest {
  mainPackage: string;
  platform: Platform;
  /** Absolute output path of the binary. */
  output: string;
  buildTags: readonly string[];
  userLdflags: string;
}

/** The `go build` argv and the environment that cross-compiles one platform (pure). */
export function goBuildCommand(request: CompileRequest): { args: string[]; env: Record<string, string> } {
  const ldflags = [STRIP_LDFLAGS, request.userLdflags.trim()].filter(Boolean).join(' ');
  const args = ['build', '-trimpath', '-ldflags', ldflags];
  if (request.buildTags.length > 0) args.push('-tags', request.buildTags.join(','));
  args.push('-o', request.output, request.mainPackage);
  return { args, env: { CGO_ENABLED: '0', ...goEnv(request.platform) } };
}

/** Where the binary of a platform lives inside the build context. */
export function binaryContextPath(platform: Platform, binaryName: string): string {
  return path.posix.join('bin', platformSlug(platform), binaryName);
}

export interface BuiltBinary {
  platform: Platform;
  path: string;
  size: number;
  seconds: number;
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the input order in the result. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export type GoRunner = (args: string[], env: Record<string, string>) => Promise<void>;

/** Compiles every platform, in parallel up to the CPU count. */
export async function compileAll(
  requests: readonly CompileRequest[],
  runGo: GoRunner,
  parallelism = os.availableParallelism(),
): Promise<BuiltBinary[]> {
  return mapLimited(requests, parallelism, async (request) => {
    const started = Date.now();
    await fs.mkdir(path.dirname(request.output), { recursive: true });
    const { args, env } = goBuildCommand(request);
    await runGo(args, env);
    const { size } = await fs.stat(request.output);
    return { platform: request.platform, path: request.output, size, seconds: (Date.now() - started) / 1000 };
  });
}

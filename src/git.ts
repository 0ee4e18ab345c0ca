import type { Exec } from './tools.js';
import type { TemplateValues } from './templates.js';

/** The commit a build comes from: SOURCE_DATE_EPOCH, the revision label and the ldflags templates. */
export interface SourceInfo {
  revision: string;
  /** Commit time in Unix seconds; 0 when the folder is not a git checkout. */
  epoch: number;
  /** `git describe --tags` without a leading v; the short commit when there is no tag. */
  version: string;
}

async function git(exec: Exec, dir: string, ...args: string[]): Promise<string | undefined> {
  const result = await exec('git', ['-C', dir, ...args], { allowFailure: true }).catch(() => undefined);
  return result && result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function readSourceInfo(exec: Exec, dir: string, env: NodeJS.ProcessEnv): Promise<SourceInfo> {
  const [revision, time] = (await git(exec, dir, 'log', '-1', '--format=%H %ct'))?.split(' ') ?? [];
  const commit = revision || env.GITHUB_SHA || '';
  const described = env.GITHUB_REF_TYPE === 'tag' && env.GITHUB_REF_NAME ? env.GITHUB_REF_NAME : await git(exec, dir, 'describe', '--tags', '--always', '--abbrev=7');
  const fromEnv = env.SOURCE_DATE_EPOCH && /^\d+$/.test(env.SOURCE_DATE_EPOCH) ? Number(env.SOURCE_DATE_EPOCH) : undefined;
  return {
    revision: commit,
    epoch: fromEnv ?? (Number(time) || 0),
    version: (described || commit.slice(0, 7) || 'dev').replace(/^v(?=\d)/, ''),
  };
}

export function templateValues(source: SourceInfo): TemplateValues {
  return {
    Version: source.version,
    Commit: source.revision,
    ShortCommit: source.revision.slice(0, 7),
    Date: new Date(source.epoch * 1000).toISOString().replace(/\.000Z$/, 'Z'),
  };
}

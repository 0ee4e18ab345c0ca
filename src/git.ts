import { execCommand } from './exec.js';

/** The commit a build comes from; the source of SOURCE_DATE_EPOCH and the revision label. */
export interface SourceInfo {
  revision: string;
  /** Commit time in Unix seconds; 0 when the folder is not a git checkout. */
  epoch: number;
}

export async function readSourceInfo(dir: string, env: NodeJS.ProcessEnv): Promise<SourceInfo> {
  const fromEnv = Number(env.SOURCE_DATE_EPOCH);
  const result = await execCommand('git', ['-C', dir, 'log', '-1', '--format=%H %ct'], { allowFailure: true }).catch(() => undefined);
  const [revision, time] = result && result.exitCode === 0 ? result.stdout.trim().split(' ') : [];
  return {
    revision: revision || env.GITHUB_SHA || '',
    epoch: Number.isInteger(fromEnv) && fromEnv >= 0 && env.SOURCE_DATE_EPOCH ? fromEnv : Number(time) || 0,
  };
}

import path from 'node:path';
import type { Config } from '../config.js';
import { formatPlatform } from '../platform.js';
import type { Tools } from '../tools.js';
import { State } from '../inputs.js';
import { hashGoSums, planGoCaches, restoreGoCaches, type CacheState } from './caches.js';
import { describeGo, type GoTool } from './gotool.js';
import { installGo } from './toolchain.js';

export interface GoSetup {
  tool: GoTool;
  /** Go caches restored for this run; undefined when caching is off. */
  caches?: CacheState;
}

/** The `go` already on PATH, if any: a candidate when it satisfies the requested version. */
async function goOnPath(tools: Tools, env: NodeJS.ProcessEnv): Promise<{ version: string; goroot: string } | undefined> {
  try {
    const tool = await describeGo(tools.exec, 'go', env);
    return { version: tool.version, goroot: tool.goroot };
  } catch {
    return undefined;
  }
}

/**
 * Installs the Go the module asks for (tool cache, the Go on PATH, or a verified download), puts it
 * first on PATH for this and later steps with GOROOT and GOTOOLCHAIN=local, and restores the Go
 * module and build caches (prebuilt mode: the runner compiles).
 */
export async function setupGo(config: Config, env: NodeJS.ProcessEnv, tools: Tools): Promise<GoSetup> {
  const { reporter } = tools;
  const preinstalled = await goOnPath(tools, env);
  const installation = await reporter.group('Setting up Go', () =>
    installGo({ ...config.go, workingDirectory: config.workingDirectory }, reporter, { env, ...(preinstalled ? { preinstalled } : {}) }),
  );
  reporter.addPath(installation.binDir);
  for (const [name, value] of Object.entries(installation.env)) reporter.exportVariable(name, value);
  const goEnv: NodeJS.ProcessEnv = { ...env, ...installation.env, PATH: `${installation.binDir}${path.delimiter}${env.PATH ?? ''}` };
  const tool = await describeGo(tools.exec, path.join(installation.binDir, 'go'), goEnv);

  let caches: CacheState | undefined;
  if (config.cache && config.build.kind === 'prebuilt') {
    caches = await reporter.group('Restoring Go caches', async () => {
      const { stdout } = await tools.exec(tool.go, ['env', 'GOCACHE', 'GOMODCACHE'], { env: goEnv });
      const [gocache = '', gomodcache = ''] = stdout.trim().split('\n');
      const plan = planGoCaches({
        runnerOs: env.RUNNER_OS ?? process.platform,
        runnerArch: env.RUNNER_ARCH ?? process.arch,
        goVersion: tool.version,
        goSumHash: await hashGoSums(config.workingDirectory),
        platforms: config.platforms.map(formatPlatform),
        buildTags: config.buildTags,
        // The ldflags template, not its expansion: a -X of the commit must not change the key every commit.
        flags: ['-trimpath', `-ldflags=${config.ldflags}`, env.GOFLAGS ?? ''],
        gocache,
        gomodcache,
      });
      return restoreGoCaches(plan, reporter);
    });
    reporter.saveState(State.goCaches, JSON.stringify(caches));
    reporter.saveState(State.cacheSave, config.cacheSave);
  }
  return { tool, ...(caches ? { caches } : {}) };
}

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
async function goOnPath(tools: Tools, env: NodeJS.ProcessEnv): Promise<GoTool | undefined> {
  try {
    return await describeGo(tools.exec, 'go', env);
  } catch {
    return undefined;
  }
}

/**
 * Installs the Go the module asks for (tool cache, the Go on PATH, or a verified download), puts it
 * first on PATH for this and later steps with GOROOT and GOTOOLCHAIN=local, and restores the Go
 * module and build caches (prebuilt mode: the runner compiles). Go is asked about itself once per
 * binary: the Go on PATH, when it is the one used, is not asked again.
 */
export async function setupGo(config: Config, env: NodeJS.ProcessEnv, tools: Tools): Promise<GoSetup> {
  const { reporter } = tools;
  // The Go on PATH is asked about inside the group, so the group's time is the phase's.
  const { preinstalled, installation } = await reporter.group('Setting up Go', async () => {
    const onPath = await goOnPath(tools, env);
    const installed = await installGo({ ...config.go, workingDirectory: config.workingDirectory }, reporter, { env, ...(onPath ? { preinstalled: { version: onPath.version, goroot: onPath.goroot } } : {}) });
    return { preinstalled: onPath, installation: installed };
  });
  reporter.addPath(installation.binDir);
  for (const [name, value] of Object.entries(installation.env)) reporter.exportVariable(name, value);
  const goEnv: NodeJS.ProcessEnv = { ...env, ...installation.env, PATH: `${installation.binDir}${path.delimiter}${env.PATH ?? ''}` };
  const go = path.join(installation.binDir, 'go');
  const tool = preinstalled && preinstalled.goroot === installation.goroot ? { ...preinstalled, go, env: goEnv } : await describeGo(tools.exec, go, goEnv);

  let caches: CacheState | undefined;
  if (config.cache && config.build.kind === 'prebuilt') {
    caches = await reporter.group('Restoring Go caches', async () => {
      const plan = planGoCaches({
        runnerOs: env.RUNNER_OS ?? process.platform,
        runnerArch: env.RUNNER_ARCH ?? process.arch,
        goVersion: tool.version,
        goSumHash: await hashGoSums(config.workingDirectory),
        platforms: config.platforms.map(formatPlatform),
        buildTags: config.buildTags,
        // The ldflags template, not its expansion: a -X of the commit must not change the key every commit.
        flags: ['-trimpath', `-ldflags=${config.ldflags}`, env.GOFLAGS ?? ''],
        gocache: tool.gocache,
        gomodcache: tool.gomodcache,
      });
      return restoreGoCaches(plan, reporter);
    });
    reporter.saveState(State.goCaches, JSON.stringify(caches));
    reporter.saveState(State.cacheSave, config.cacheSave);
  }
  return { tool, ...(caches ? { caches } : {}) };
}

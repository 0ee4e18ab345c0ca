import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { ActionError, errorMessage, InputError } from './errors.js';
import { execCommand } from './exec.js';
import { readSourceInfo } from './git.js';
import { binaryContextPath, compileAll, type BuiltBinary, type CompileRequest } from './go/compile.js';
import { readElf, staticBinaryProblems } from './go/elf.js';
import { describeGo, distList, requireGoModule, requireMainPackage, type GoTool } from './go/gotool.js';
import { prepareBuilder } from './image/builder.js';
import { buildxBuildArgs, countCachedSteps, parseBuildMetadata, registryCacheFrom, registryCacheTo, registryErrorHint } from './image/buildx.js';
import { writeBuildContext } from './image/context.js';
import { readImageSizes } from './image/inspect.js';
import { Inputs, Outputs, State } from './inputs.js';
import { formatPlatform, unsupportedPlatforms } from './platform.js';
import { repositoryRef } from './reference.js';
import type { Reporter } from './reporter.js';
import { formatBytes, type PlatformSize } from './report/size.js';
import { renderSummary } from './report/summary.js';

export interface RunEnvironment {
  /** A folder this run owns for the build context and metadata. */
  workDir: string;
  env: NodeJS.ProcessEnv;
  /** How working-directory was written, for messages. */
  workingDirectoryInput: string;
}

export interface RunResult {
  digest: string;
  imageRef: string;
  tags: string[];
  sizes: PlatformSize[];
  binaries: BuiltBinary[];
  cachedSteps: number;
}

async function checkBinaries(binaries: readonly BuiltBinary[]): Promise<void> {
  for (const binary of binaries) {
    const problems = staticBinaryProblems(readElf(await fs.readFile(binary.path)), binary.platform.arch);
    if (problems.length > 0) throw new ActionError(`The ${formatPlatform(binary.platform)} binary cannot go into the image: ${problems.join('; ')}.`);
  }
}

async function resolveGo(config: Config, environment: RunEnvironment): Promise<GoTool> {
  const tool = await describeGo('go', environment.env);
  const unsupported = unsupportedPlatforms(config.platforms, await distList(tool));
  if (unsupported.length > 0) {
    const first = unsupported[0]!;
    throw new InputError(Inputs.platforms.name, first.platform, `a platform Go ${tool.version} can build (closest: ${first.closest.join(', ')}; see go tool dist list)`);
  }
  const nonLinux = config.platforms.find((p) => p.os !== 'linux');
  if (nonLinux) throw new InputError(Inputs.platforms.name, formatPlatform(nonLinux), 'linux/<arch> platforms (container images run on Linux)');
  return tool;
}

/** The whole run: Go binaries -> build context -> buildx push -> sizes -> outputs and summary. */
export async function runPipeline(config: Config, environment: RunEnvironment, reporter: Reporter): Promise<RunResult> {
  await requireGoModule(config.workingDirectory, environment.workingDirectoryInput);
  const go = await resolveGo(config, environment);
  await requireMainPackage(go, config.workingDirectory, config.mainPackage);
  reporter.setOutput(Outputs.goVersion, go.version);

  const builder = await reporter.group('Preparing the buildx builder', () => prepareBuilder(config));
  if (builder.created) reporter.saveState(State.builderToRemove, builder.name);
  reporter.info(`buildx ${builder.buildxVersion}, builder ${builder.name || '(current)'}`);

  const contextDir = path.join(environment.workDir, 'context');
  await fs.rm(contextDir, { recursive: true, force: true });
  const requests: CompileRequest[] = config.platforms.map((platform) => ({
    platform,
    mainPackage: config.mainPackage,
    output: path.join(contextDir, binaryContextPath(platform, config.binaryName)),
    buildTags: config.buildTags,
    userLdflags: config.ldflags,
  }));
  const compileStarted = Date.now();
  const binaries = await reporter.group(`Compiling ${config.mainPackage} for ${config.platforms.map(formatPlatform).join(', ')}`, async () => {
    const built = await compileAll(requests, async (args, env) => {
      reporter.info(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} go ${args.join(' ')}`);
      await execCommand(go.go, args, { cwd: config.workingDirectory, env: { ...go.env, ...env } });
    });
    for (const binary of built) reporter.info(`${formatPlatform(binary.platform)}: ${formatBytes(binary.size)} in ${binary.seconds.toFixed(1)} s`);
    return built;
  });
  const compileSeconds = (Date.now() - compileStarted) / 1000;
  await checkBinaries(binaries);
  const largestBinary = Math.max(...binaries.map((b) => b.size));
  reporter.setOutput(Outputs.binarySize, largestBinary);

  const source = await readSourceInfo(config.workingDirectory, environment.env);
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': config.binaryName,
    'org.opencontainers.image.created': new Date(source.epoch * 1000).toISOString(),
  };
  if (source.revision) labels['org.opencontainers.image.revision'] = source.revision;
  if (environment.env.GITHUB_REPOSITORY) {
    labels['org.opencontainers.image.source'] = `${environment.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${environment.env.GITHUB_REPOSITORY}`;
  }
  const context = await writeBuildContext(contextDir, { binaryName: config.binaryName, baseImage: 'scratch', expose: config.expose, labels }, source.epoch);
  reporter.info(`Build context: ${formatBytes(context.bytes)} sent to BuildKit`);

  const metadataFile = path.join(environment.workDir, 'metadata.json');
  await fs.rm(metadataFile, { force: true });
  const args = buildxBuildArgs({
    contextDir,
    dockerfile: context.dockerfile,
    platforms: config.platforms,
    tags: config.tags,
    push: config.push,
    builder: builder.name,
    cacheFrom: [registryCacheFrom(config.cacheRef)],
    cacheTo: config.push ? registryCacheTo(config.cacheRef) : '',
    metadataFile,
    sourceDateEpoch: source.epoch,
    buildArgs: {},
  });
  const buildStarted = Date.now();
  let progress = '';
  await reporter.group('Building the image with buildx', () =>
    execCommand('docker', args, {
      env: { ...environment.env, SOURCE_DATE_EPOCH: String(source.epoch) },
      onLine: (line) => {
        progress += `${line}\n`;
        reporter.info(line);
      },
      hint: registryErrorHint,
    }),
  );
  const buildSeconds = (Date.now() - buildStarted) / 1000;
  const cachedSteps = countCachedSteps(progress);

  const metadata = parseBuildMetadata(await fs.readFile(metadataFile, 'utf8'));
  const imageRef = `${repositoryRef(config.image)}@${metadata.digest}`;
  reporter.setOutput(Outputs.digest, metadata.digest);
  reporter.setOutput(Outputs.imageRef, imageRef);
  reporter.setOutput(Outputs.tags, config.tags.join('\n'));

  let sizes: PlatformSize[] = [];
  if (config.push) {
    try {
      sizes = await readImageSizes(config.image, metadata.digest);
      reporter.setOutput(Outputs.size, Math.max(...sizes.map((s) => s.compressed)));
    } catch (error) {
      reporter.warning(`The image was pushed, but its size could not be read back from the registry: ${errorMessage(error)}`);
    }
  }
  for (const size of sizes) reporter.info(`${size.platform}: image ${formatBytes(size.compressed)} compressed (${size.compressed} bytes)`);

  await reporter.addSummary(
    renderSummary({
      imageRef,
      tags: config.tags,
      pushed: config.push,
      sizes,
      binaries: binaries.map((b) => ({ platform: formatPlatform(b.platform), size: b.size })),
      goVersion: go.version,
      cachedSteps,
      seconds: { compile: compileSeconds, build: buildSeconds },
    }),
  );
  return { digest: metadata.digest, imageRef, tags: config.tags, sizes, binaries, cachedSteps };
}

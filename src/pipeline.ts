import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config, Tristate } from './config.js';
import { ActionError, errorMessage, InputError } from './errors.js';
import { execCommand } from './exec.js';
import { readSourceInfo, templateValues, type SourceInfo } from './git.js';
import { binaryContextPath, compileAll, STRIP_LDFLAGS, type BuiltBinary, type CompileRequest } from './go/compile.js';
import { listDependencies, needsCaCertificates, needsZoneinfo } from './go/deps.js';
import { readElf, staticBinaryProblems } from './go/elf.js';
import { distList, requireGoModule, requireMainPackage, type GoTool } from './go/gotool.js';
import { setupGo } from './go/setup.js';
import { checkFeatures, prepareBuilder, type Builder, type FeatureUse } from './image/builder.js';
import { buildxBuildArgs, buildxFailureCause, cacheExportErrors, countCachedSteps, parseBuildMetadata, registryErrorHint } from './image/buildx.js';
import { writePrebuiltContext, writeSourceContext, type BuildContext } from './image/context.js';
import { annotateRoot, compressLayers, OciLayoutClient, pushOciImage, pushTargets, readOciImage } from './image/oci-layout.js';
import { RegistryClient } from './image/registry.js';
import { Inputs, Outputs, State } from './inputs.js';
import { formatPlatform, goEnv, unsupportedPlatforms } from './platform.js';
import { formatImageName, repositoryRef, type ImageName } from './reference.js';
import type { Reporter } from './reporter.js';
import { formatBytes } from './report/size.js';
import type { Attribution } from './report/attribution.js';
import { publishSizeReport, readBaselineReport } from './report/publish.js';
import { SIZE_REPORT_ANNOTATION, serializeStoredReport } from './report/stored.js';
import { attributePackage } from './go/symbols.js';
import { LayerReader } from './image/layers.js';
import { readRunContext, type RunContext } from './github/event.js';
import { defaultPush, deriveTags, sanitizeTag } from './image/tags.js';
import { registryCachePlan } from './image/cache.js';
import { mergeLegs, temporaryTag } from './image/merge.js';
import { BINARY_DIR, type FinalStageSpec, type RootfsSpec } from './image/dockerfile.js';
import { renderSummary } from './report/summary.js';
import { expandTemplate } from './templates.js';

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
  binaries: BuiltBinary[];
  cachedSteps: number;
}

async function checkBinaries(binaries: readonly BuiltBinary[]): Promise<void> {
  for (const binary of binaries) {
    const problems = staticBinaryProblems(readElf(await fs.readFile(binary.path)), binary.platform.arch);
    if (problems.length > 0) throw new ActionError(`The ${formatPlatform(binary.platform)} binary cannot go into the image: ${problems.join('; ')}.`);
  }
}

/** Installs Go and restores its caches, then checks every platform is one it can target. */
async function resolveGo(config: Config, environment: RunEnvironment, reporter: Reporter): Promise<GoTool> {
  const setup = await setupGo(config, environment.env, reporter);
  const tool = setup.tool;
  reporter.setOutput(Outputs.goVersion, tool.version);
  reporter.setOutput(Outputs.goCacheHit, String(setup.caches?.build.hit ?? false));
  const unsupported = unsupportedPlatforms(config.platforms, await distList(tool));
  if (unsupported.length > 0) {
    const first = unsupported[0]!;
    throw new InputError(Inputs.platforms.name, first.platform, `a platform Go ${tool.version} can build (closest: ${first.closest.join(', ')}; see go tool dist list)`);
  }
  await requireMainPackage(tool, config.workingDirectory, config.mainPackage);
  return tool;
}

/** Applies the `auto` rules for CA certificates and zoneinfo from the program's dependencies. */
async function decideRootfs(config: Config, go: GoTool, reporter: Reporter): Promise<RootfsSpec> {
  const decide = (setting: Tristate, auto: () => Promise<boolean>) => (setting === 'auto' ? auto() : Promise.resolve(setting === 'true'));
  const first = config.platforms[0]!;
  let packages: Awaited<ReturnType<typeof listDependencies>> | undefined;
  const deps = async () => (packages ??= await listDependencies(go.go, config.workingDirectory, config.mainPackage, { ...go.env, CGO_ENABLED: '0', ...goEnv(first) }, config.buildTags));
  const caCertificates = await decide(config.caCertificates, async () => needsCaCertificates(await deps()));
  const zoneinfo = await decide(config.timezoneData, async () => needsZoneinfo(await deps()));
  reporter.info(
    `CA certificates: ${caCertificates ? 'included' : 'left out'}${config.caCertificates === 'auto' ? ' (auto: the program ' + (caCertificates ? 'uses' : 'does not use') + ' crypto/x509)' : ''}; ` +
      `zoneinfo: ${zoneinfo ? 'included' : 'left out'}${config.timezoneData === 'auto' ? ' (auto: ' + (zoneinfo ? 'time.LoadLocation is called and time/tzdata is not embedded' : 'no time.LoadLocation outside the standard library, or time/tzdata embedded') + ')' : ''}`,
  );
  return { caCertificates, zoneinfo };
}

function ociLabels(config: Config, source: SourceInfo, env: NodeJS.ProcessEnv): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': config.binaryName,
    'org.opencontainers.image.created': new Date(source.epoch * 1000).toISOString(),
    'org.opencontainers.image.version': source.version,
  };
  if (source.revision) labels['org.opencontainers.image.revision'] = source.revision;
  if (env.GITHUB_REPOSITORY) labels['org.opencontainers.image.source'] = `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`;
  return labels;
}

interface PreparedContext {
  context: BuildContext;
  binaries: BuiltBinary[];
  compileSeconds: number;
  /** The Go that built (or would build) the binaries; absent with the user's own Dockerfile. */
  go?: GoTool;
  /** The user's ldflags with templates expanded. */
  ldflags: string;
}

/** Compiles on the runner (prebuilt) or writes the self-contained Dockerfile (source), or takes the user's. */
async function prepareContext(config: Config, environment: RunEnvironment, source: SourceInfo, reporter: Reporter): Promise<PreparedContext> {
  if (config.build.kind === 'dockerfile') {
    return { context: { dir: config.workingDirectory, dockerfile: config.build.path, namedContexts: {} }, binaries: [], compileSeconds: 0, ldflags: '' };
  }

  const go = await resolveGo(config, environment, reporter);
  const ldflags = expandTemplate(config.ldflags, templateValues(source));
  const rootfs = await decideRootfs(config, go, reporter);
  const spec: FinalStageSpec = { binaryName: config.binaryName, baseImage: config.baseImage, expose: config.expose, labels: ociLabels(config, source, environment.env), rootfs };
  const contextDir = path.join(environment.workDir, 'context');
  await fs.rm(contextDir, { recursive: true, force: true });

  if (config.build.kind === 'source') {
    const goImage = config.build.goImage || `golang:${go.version}`;
    const context = await writeSourceContext(
      contextDir,
      config.workingDirectory,
      spec,
      { goImage, mainPackage: config.mainPackage, buildTags: config.buildTags, ldflags: [STRIP_LDFLAGS, ldflags].filter(Boolean).join(' ') },
      go.goroot,
      source.epoch,
    );
    reporter.info(`Source mode: BuildKit compiles in ${goImage} on the build platform`);
    return { context, binaries: [], compileSeconds: 0, go, ldflags };
  }

  const requests: CompileRequest[] = config.platforms.map((platform) => ({
    platform,
    mainPackage: config.mainPackage,
    output: path.join(contextDir, binaryContextPath(platform, config.binaryName)),
    buildTags: config.buildTags,
    userLdflags: ldflags,
  }));
  const started = Date.now();
  const binaries = await reporter.group(`Compiling ${config.mainPackage} for ${config.platforms.map(formatPlatform).join(', ')}`, async () => {
    const built = await compileAll(requests, async (args, env) => {
      reporter.info(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} go ${args.join(' ')}`);
      await execCommand(go.go, args, { cwd: config.workingDirectory, env: { ...go.env, ...env } });
    });
    for (const binary of built) reporter.info(`${formatPlatform(binary.platform)}: ${formatBytes(binary.size)} in ${binary.seconds.toFixed(1)} s`);
    return built;
  });
  const compileSeconds = (Date.now() - started) / 1000;
  await checkBinaries(binaries);
  const context = await writePrebuiltContext(contextDir, spec, go.goroot, source.epoch);
  return { context, binaries, compileSeconds, go, ldflags };
}

/** Checks of the file system that need no tool, so a wrong path fails before anything slow. */
async function preflight(config: Config, environment: RunEnvironment): Promise<void> {
  if (config.mode === 'merge') return;
  await requireGoModule(config.workingDirectory, environment.workingDirectoryInput);
  if (config.build.kind === 'dockerfile') {
    const dockerfile = config.build.path;
    await fs.access(dockerfile).catch(() => {
      throw new InputError(Inputs.dockerfile.name, path.relative(config.workingDirectory, dockerfile), 'the path of a Dockerfile relative to working-directory (no such file)');
    });
  }
}

/** The whole run: Go binaries -> build context -> buildx push -> sizes -> outputs and summary. */
export async function runPipeline(config: Config, environment: RunEnvironment, reporter: Reporter): Promise<RunResult> {
  for (const secret of config.secrets) reporter.setSecret(secret.value);
  await preflight(config, environment);
  const plan = await planRun(config, environment.env, reporter);
  if (config.mode === 'merge') return runMerge(config, plan, environment, reporter);

  const builder = await reporter.group('Preparing the buildx builder', () => prepareBuilder(config, reporter));
  if (builder.created) reporter.saveState(State.builderToRemove, builder.name);
  reporter.info(`buildx ${builder.buildxVersion}, builder ${builder.name || '(current)'} (${builder.driver} driver)`);
  checkBuilderFeatures(config, builder, reporter);

  const source = await readSourceInfo(config.workingDirectory, environment.env);
  const prepared = await prepareContext(config, environment, source, reporter);
  if (prepared.binaries.length > 0) reporter.setOutput(Outputs.binarySize, Math.max(...prepared.binaries.map((b) => b.size)));
  if (prepared.context.bytes !== undefined) reporter.info(`Build context: ${formatBytes(prepared.context.bytes)} sent to BuildKit`);

  const attestations = config.provenance !== 'false' || config.sbom;
  const metadataFile = path.join(environment.workDir, 'metadata.json');
  const ociDest = path.join(environment.workDir, 'oci');
  await fs.rm(metadataFile, { force: true });
  await fs.rm(ociDest, { recursive: true, force: true });
  const args = buildxBuildArgs({
    contextDir: prepared.context.dir,
    dockerfile: prepared.context.dockerfile,
    namedContexts: prepared.context.namedContexts,
    compression: config.compression,
    compressInBuildKit: attestations,
    platforms: config.platforms,
    ociDest,
    builder: builder.name,
    cacheFrom: plan.cacheFrom,
    cacheTo: plan.cacheTo,
    metadataFile,
    sourceDateEpoch: source.epoch,
    buildArgs: config.buildArgs,
    labels: config.labels,
    annotations: config.annotations,
    secrets: [...config.secrets.map((secret, i) => ({ id: secret.id, env: `GSI_BUILD_SECRET_${i}` })), ...config.secretFiles.map((file) => ({ id: file.id, src: file.path }))],
    target: config.target,
    provenance: config.provenance,
    sbom: config.sbom,
  });
  const secretEnv = Object.fromEntries(config.secrets.map((secret, i) => [`GSI_BUILD_SECRET_${i}`, secret.value]));
  const buildStarted = Date.now();
  let progress = '';
  await reporter.group('Building the image with buildx', () =>
    execCommand('docker', args, {
      env: { ...environment.env, ...secretEnv, SOURCE_DATE_EPOCH: String(source.epoch) },
      onLine: (line) => {
        progress += `${line}\n`;
        reporter.info(line);
      },
      hint: registryErrorHint,
      headline: buildxFailureCause,
    }),
  );
  const buildSeconds = (Date.now() - buildStarted) / 1000;
  const cachedSteps = countCachedSteps(progress);
  for (const error of cacheExportErrors(progress)) reporter.warning(`The layer cache could not be exported (${error}); the image is fine, but the next build will not find this cache.`);

  const metadata = parseBuildMetadata(await fs.readFile(metadataFile, 'utf8'));
  let image = await readOciImage(ociDest);
  if (image.root.digest !== metadata.digest) reporter.warning(`buildx reported ${metadata.digest} but exported ${image.root.digest}`);

  // Started first so they overlap the CPU-bound layer compression: the attribution's unstripped
  // build is a child process, the baseline read is network I/O.
  const { client } = plan;
  const reader = new LayerReader(client);
  const binaryPaths = [`${BINARY_DIR.slice(1)}/${config.binaryName}`];
  const attributing = attributeBinary(config, prepared, reporter);
  const readingBaseline = readBaselineReport(client, reader, plan.baseline, binaryPaths, reporter);
  if (config.compression.algorithm === 'gzip' && !attestations) image = await compressLayers(image, config.compression.level);
  const [attribution, baseline] = await Promise.all([attributing, readingBaseline]);
  // The stored report annotates the root manifest; with attestations the root must stay as BuildKit made it.
  if (attribution && !attestations) {
    image = await annotateRoot(image, { [SIZE_REPORT_ANNOTATION]: serializeStoredReport(attribution.platform, attribution.binarySize, attribution.current) });
  }
  const targets = config.pushByDigest
    ? [{ name: config.image, tags: [temporaryTag(plan.run, config.platforms[0]!)] }]
    : pushTargets(config.image, plan.tags);
  if (plan.push) await reporter.group('Pushing the image', () => pushOciImage(client, image, targets, (line) => reporter.info(line)));
  if (config.load) await reporter.group('Loading the image into Docker', () => loadIntoDocker(image.dir, plan.tags, environment.workDir));
  const digest = image.root.digest;
  const imageRef = `${repositoryRef(config.image)}@${digest}`;
  reporter.setOutput(Outputs.digest, digest);
  reporter.setOutput(Outputs.imageRef, imageRef);
  reporter.setOutput(Outputs.tags, config.pushByDigest ? '' : plan.tags.join('\n'));

  const binaries = prepared.binaries.map((b) => ({ platform: formatPlatform(b.platform), size: b.size }));
  const summaryHeader = renderSummary({
    imageRef,
    tags: config.pushByDigest ? [] : plan.tags,
    pushed: plan.push,
    binaries,
    goVersion: prepared.go?.version ?? '',
    cachedSteps,
    seconds: { compile: prepared.compileSeconds, build: buildSeconds },
  });
  // Not pushed (a fork's pull request): the same report, from the local layout's bytes.
  const sizeClient = plan.push ? client : new OciLayoutClient(image.dir);
  const failure = await publishSizeReport(
    {
      config,
      client: sizeClient,
      reader: plan.push ? reader : new LayerReader(sizeClient),
      digest,
      imageRef,
      binaries,
      binaryPaths,
      baseline,
      ...(attribution ? { attribution } : {}),
      summaryHeader,
      commit: source.revision,
      env: environment.env,
    },
    reporter,
  );
  if (failure) throw new ActionError(failure);
  return { digest, imageRef, tags: plan.tags, binaries: prepared.binaries, cachedSteps };
}

/** What a run decides from the GitHub context before any slow work: push, tags, cache refs, baseline. */
interface RunPlan {
  run: RunContext;
  client: RegistryClient;
  push: boolean;
  /** Full references. */
  tags: string[];
  cacheFrom: string[];
  cacheTo: string;
  baseline: ImageName;
}

async function planRun(config: Config, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<RunPlan> {
  const run = await readRunContext(env, (message) => reporter.warning(message));
  const client = new RegistryClient();
  let push = config.push;
  if (push === undefined) {
    const decision = defaultPush(run);
    push = decision.push || config.pushByDigest;
    reporter.info(decision.reason);
  }
  let tags = config.tags;
  if (tags.length === 0) {
    const published = run.ref.startsWith('refs/tags/') ? await client.listTags(config.image).catch(() => []) : [];
    const derived = deriveTags(run, published);
    if (derived.latest) reporter.info(derived.latest);
    tags = (derived.tags.length > 0 ? derived.tags : ['latest']).map((tag) => formatImageName({ ...config.image, tag }));
  }
  let cacheFrom: string[] = [];
  let cacheTo = '';
  if (config.cacheBackend !== 'none') {
    const cache = registryCachePlan(run, { image: config.image, ...(config.cacheRef ? { cacheRef: config.cacheRef } : {}), platforms: config.platforms, matrixLeg: config.pushByDigest, mode: config.cacheWrite, push });
    reporter.info(cache.write.reason);
    if (config.cacheBackend === 'registry') {
      cacheFrom = cache.cacheFrom;
      cacheTo = cache.cacheTo;
    } else {
      const scope = (ref: string) => `scope=${ref.slice(ref.lastIndexOf(':') + 1)}`;
      cacheFrom = [cache.refs.ref, cache.refs.mainLineRef].filter((r, i, all) => all.indexOf(r) === i).map((r) => `type=gha,${scope(r)}`);
      cacheTo = cache.write.write ? `type=gha,mode=max,${scope(cache.refs.ref)},ignore-error=true` : '';
    }
  }
  const baseline = config.baseline ?? { ...config.image, tag: sanitizeTag(run.defaultBranch || 'main') };
  return { run, client, push, tags, cacheFrom, cacheTo, baseline };
}

/** Warns (or fails, for what an input asked for) when the builder is too old for a feature in use. */
function checkBuilderFeatures(config: Config, builder: Builder, reporter: Reporter): void {
  const uses: FeatureUse[] = [{ feature: 'rewriteTimestamp' }, { feature: 'cacheImageManifest' }, { feature: 'cacheIgnoreError' }];
  if (config.build.kind === 'source') uses.push({ feature: 'buildContext', input: Inputs.dockerfileMode.name });
  if (config.compression.algorithm === 'zstd') uses.push({ feature: 'zstd', input: Inputs.compression.name });
  if (config.cacheBackend === 'gha') uses.push({ feature: 'ghaCache', input: Inputs.cacheBackend.name });
  const check = checkFeatures({ buildx: builder.buildxVersion, ...(builder.buildkitVersion ? { buildkit: builder.buildkitVersion } : {}) }, uses);
  for (const warning of check.warnings) reporter.warning(warning);
  if (check.errors.length > 0) throw new ActionError(check.errors.join('\n'));
}

/** `docker load` of the exported OCI layout, tagged with the run's tags. */
async function loadIntoDocker(ociDir: string, tags: readonly string[], workDir: string): Promise<void> {
  const archive = path.join(workDir, 'image.tar');
  await execCommand('tar', ['-C', ociDir, '-cf', archive, '.']);
  const { stdout } = await execCommand('docker', ['load', '--input', archive], { hint: () => 'load needs a running Docker daemon on the runner.' });
  const loaded = /Loaded image(?: ID)?: (\S+)/.exec(stdout)?.[1];
  if (!loaded) throw new ActionError(`docker load did not say which image it loaded: ${stdout.trim()}`);
  for (const tag of tags) await execCommand('docker', ['tag', loaded, tag]);
}

/** `mode: merge`: the legs' digests stitched into one index, then the size report for all platforms. */
async function runMerge(config: Config, plan: RunPlan, environment: RunEnvironment, reporter: Reporter): Promise<RunResult> {
  const { client } = plan;
  const reader = new LayerReader(client);
  const binaryPaths: string[] = [];
  const baseline = await readBaselineReport(client, reader, plan.baseline, binaryPaths, reporter);
  const merged = await reporter.group('Merging the matrix legs', () =>
    mergeLegs({ sha: plan.run.sha, runId: plan.run.runId, image: config.image, platforms: config.platforms, tags: plan.tags, builder: config.builder, client, log: reporter }),
  );
  reporter.setOutput(Outputs.digest, merged.digest);
  reporter.setOutput(Outputs.imageRef, merged.imageRef);
  reporter.setOutput(Outputs.tags, merged.tags.join('\n'));
  const summaryHeader = renderSummary({ imageRef: merged.imageRef, tags: merged.tags, pushed: true, binaries: [], goVersion: '', cachedSteps: 0, seconds: { compile: 0, build: 0 } });
  const failure = await publishSizeReport(
    { config, client, reader, digest: merged.digest, imageRef: merged.imageRef, binaries: [], binaryPaths, baseline, summaryHeader, commit: plan.run.sha, env: environment.env },
    reporter,
  );
  if (failure) throw new ActionError(failure);
  return { digest: merged.digest, imageRef: merged.imageRef, tags: merged.tags, binaries: [], cachedSteps: 0 };
}

/** The first platform's binary attributed to Go modules, from an unstripped build of the same package. */
async function attributeBinary(config: Config, prepared: PreparedContext, reporter: Reporter): Promise<{ platform: string; binarySize: number; current: Attribution } | undefined> {
  if (!prepared.go) return undefined;
  const platform = config.platforms[0]!;
  try {
    const current = await attributePackage(
      { go: prepared.go.go, env: prepared.go.env, cwd: config.workingDirectory },
      { platform, mainPackage: config.mainPackage, buildTags: config.buildTags, userLdflags: prepared.ldflags },
    );
    const binarySize = prepared.binaries.find((b) => formatPlatform(b.platform) === formatPlatform(platform))?.size ?? 0;
    return { platform: formatPlatform(platform), binarySize, current };
  } catch (error) {
    reporter.warning(`The binary could not be attributed to Go modules (${errorMessage(error)}); the report shows sizes only.`);
    return undefined;
  }
}


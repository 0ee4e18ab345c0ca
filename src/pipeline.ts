import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config, Tristate } from './config.js';
import { ActionError, errorMessage, InputError } from './errors.js';
import { readSourceInfo, templateValues, type SourceInfo } from './git.js';
import { binaryContextPath, compileAll, STRIP_LDFLAGS, type BuiltBinary, type CompileRequest } from './go/compile.js';
import { listDependencies, needsCaCertificates, needsZoneinfo } from './go/deps.js';
import { readElf, staticBinaryProblems } from './go/elf.js';
import { distList, requireGoModule, requireMainPackage, type GoTool } from './go/gotool.js';
import { setupGo } from './go/setup.js';
import { attributeBinaryBytes } from './go/binary-attribution.js';
import { readRunContext, type RunContext } from './github/event.js';
import { buildxVersion, prepareBuilder, type FeatureCheck } from './image/builder.js';
import { buildxFailureCause, cacheExportErrors, countCachedSteps, parseBuildMetadata, registryErrorHint } from './image/buildx.js';
import { writePrebuiltContext, writeSourceContext, type BuildContext } from './image/context.js';
import { BINARY_DIR, type FinalStageSpec, type RootfsSpec } from './image/dockerfile.js';
import { readImageFile } from './image/layout-file.js';
import { writeDirectImage } from './image/direct.js';
import { chooseEngine, chooseMergeEngine } from './image/engine.js';
import { compressionId, findReusableLayers, type ReusableLayers } from './image/layer-reuse.js';
import { composeMergedIndex, tagIndex, type MergeOptions } from './image/merge.js';
import { ReadOnceRegistry, type RegistryClient } from './image/registry.js';
import { annotateRoot, baseLayerDigests, compressLayers, localDiffIds, OciLayoutClient, pushOciImage, readOciImage, tagOciImage, type OciImage } from './image/oci-layout.js';
import { Inputs, State } from './inputs.js';
import type { RunOutputs } from './outputs.js';
import { binaryPaths, planBuild, planFeatures, planPublish, type BuildPlan, type PublishPlan } from './plan.js';
import { formatPlatform, goEnv, unsupportedPlatforms } from './platform.js';
import { formatImageName, repositoryRef } from './reference.js';
import type { Attribution } from './report/attribution.js';
import { layerDetailsToStore, localLayerReader, measureImage, publishReport, readBaselineReport, type MeasuredImage } from './report/publish.js';
import { formatBytes } from './report/size.js';
import { mergeStoredReports, SIZE_REPORT_ANNOTATION, serializeStoredReport } from './report/stored.js';
import { PhaseTimer, renderSummary } from './report/summary.js';
import { attachBuildAttestations, attachMergeAttestations } from './attest/attach.js';
import { expandTemplate } from './templates.js';
import type { Tools } from './tools.js';

export interface RunEnvironment {
  /** A folder this run owns for the build context and metadata. */
  workDir: string;
  env: NodeJS.ProcessEnv;
  /** How working-directory was written, for messages. */
  workingDirectoryInput: string;
}

/** What a run leaves: the outputs it produced and, when the step must fail, why. */
export interface RunResult {
  /** Set even when the run fails late (the size gate, after the push), as build-push-action does. */
  outputs: RunOutputs;
  failure?: unknown;
}

/** The whole run. Never throws: a failure comes back with the outputs produced before it. */
export async function runPipeline(config: Config, environment: RunEnvironment, tools: Tools): Promise<RunResult> {
  const outputs: RunOutputs = {};
  try {
    const gateFailure = config.mode === 'merge' ? await runMerge(config, environment, tools, outputs) : await runBuild(config, environment, tools, outputs);
    return gateFailure ? { outputs, failure: new ActionError(gateFailure) } : { outputs };
  } catch (error) {
    return { outputs, failure: error ?? new Error('the run failed') };
  }
}

/** Logs the publish decisions (push rule, tags, cache) once. */
function logPublishPlan(plan: PublishPlan, tools: Tools): void {
  for (const note of plan.notes) tools.reporter.info(note);
  for (const warning of plan.warnings) tools.reporter.warning(warning);
}

/** The repository's tags, read only for a tag push (the `latest` rule needs them). */
async function publishedTags(config: Config, run: RunContext, tools: Tools): Promise<string[]> {
  return run.ref.startsWith('refs/tags/') && config.tags.length === 0 ? tools.registry.listTags(config.image).catch(() => []) : [];
}

/** Checks of the file system that need no tool, so a wrong path fails before anything slow. */
async function preflight(config: Config, environment: RunEnvironment): Promise<void> {
  await requireGoModule(config.workingDirectory, environment.workingDirectoryInput);
  if (config.build.kind === 'dockerfile') {
    const dockerfile = config.build.path;
    await fs.access(dockerfile).catch(() => {
      throw new InputError(Inputs.dockerfile.name, path.relative(config.workingDirectory, dockerfile), 'the path of a Dockerfile relative to working-directory (no such file)');
    });
  }
}

/** `mode: build`: Go binaries -> build context -> buildx -> layers -> push by digest -> size report -> gate -> tags. */
async function runBuild(config: Config, environment: RunEnvironment, tools: Tools, outputs: RunOutputs): Promise<string | undefined> {
  const { reporter } = tools;
  await preflight(config, environment);
  const run = await readRunContext(environment.env, (message) => tools.reporter.warning(message));
  const timer = new PhaseTimer(tools.clock);

  const engine = await chooseEngine(config, tools);
  // The builder is checked first, in its own group, so a builder that cannot work fails before any
  // slow work; the git reads run alongside Go setup and the compile.
  const builder = engine === 'buildx' ? await reporter.group('Preparing the buildx builder', () => prepareBuildxBuilder(config, tools)) : undefined;
  const builderName = builder?.name ?? '';
  const features: FeatureCheck = builder?.features ?? { unsupported: [], warnings: [], errors: [] };
  const readingSource = readSourceInfo(tools.exec, config.workingDirectory, environment.env);
  readingSource.catch(() => undefined);
  const prepared = await prepareContext(config, environment, readingSource, tools, timer, outputs);
  const source = await readingSource;
  if (prepared.binaries.length > 0) outputs['binary-size'] = String(Math.max(...prepared.binaries.map((b) => b.size)));
  if (engine === 'buildx' && prepared.context.bytes !== undefined) reporter.info(`Build context: ${formatBytes(prepared.context.bytes)} sent to BuildKit`);

  const plan = planBuild(config, {
    run,
    publishedTags: await publishedTags(config, run, tools),
    builder: { name: builderName, features },
    context: prepared.context,
    sourceDateEpoch: source.epoch,
    workDir: environment.workDir,
  });
  logPublishPlan(plan.publish, tools);
  // Manifests and configs only (a few KB), read while the image is built.
  const reads = new ReadOnceRegistry(tools.registry);
  const findingReusable = plan.compressLayers ? reusableLayers(config, plan.publish, reads, tools) : Promise.resolve(new Map());
  // Before the push, which may move the very tag it names; alongside the build, as it is network I/O.
  const readingBaseline = readBaselineReport(reads, plan.publish.baseline, plan.binaryPaths, reporter);
  const built = await timer.time('image build', () =>
    engine === 'buildx'
      ? runBuildx(config, plan, source, environment, tools)
      : reporter.group('Writing the image (direct engine: no Docker, buildx or BuildKit)', () => writeDirect(config, prepared, plan, source, reads)),
  );
  let image = built.image;

  // Started before the compression so it overlaps it.
  const attributing = attributeBinary(config, prepared, image, tools);
  if (plan.compressLayers) image = await timer.time('compress', async () => compressOrReuse(image, config.compression.level, await findingReusable, tools));
  // The image is sized from the local layout: the same bytes the push sends, nothing downloaded again.
  const layoutClient = new OciLayoutClient(image.dir, tools.registry, image.remoteBlobs);
  const layerReader = localLayerReader(layoutClient, localDiffIds(image));
  const baseLayers = baseLayerDigests(image);
  const [attribution, baseline] = await Promise.all([attributing, readingBaseline]);
  if (plan.storeReport) {
    // Classified by their files only, as buildx's image (which cannot tell base layers apart) is, so both engines store the same bytes.
    const layers = await timer.time('report', () => layerDetailsToStore(config.image, image.root.digest, layerReader, layoutClient, { binaryPaths: plan.binaryPaths }).catch(() => undefined));
    if (attribution || layers) image = await annotateRoot(image, { [SIZE_REPORT_ANNOTATION]: serializeStoredReport(attribution, layers) });
  }

  const { push, targets } = plan.publish;
  const log = (line: string) => reporter.info(line);
  if (push) await timer.time('push', () => reporter.group('Pushing the image', () => pushOciImage(tools.registry, image, targets, log)));
  if (config.load) await reporter.group('Loading the image into Docker', () => loadIntoDocker(image.dir, plan.publish.tags, environment.workDir, tools));
  const digest = image.root.digest;
  const imageRef = `${repositoryRef(config.image)}@${digest}`;
  outputs.digest = digest;
  outputs['image-ref'] = imageRef;

  const binaries = prepared.binaries.map((b) => ({ platform: formatPlatform(b.platform), size: b.size }));
  const measured = await timer.time('report', () =>
    measureImage(
      { config, client: layoutClient, reader: layerReader, baseLayers, digest, imageRef, binaries, binaryPaths: plan.binaryPaths, baseline, ...(attribution ? { attribution } : {}), commit: source.revision },
      reporter,
    ),
  );
  Object.assign(outputs, measured.outputs);
  // Once the gate passed and before the tags move: a tag never names an image without its SBOM and provenance.
  const attested = await attachBuildAttestations(
    { config, image, built: built.image, repositories: targets.map((t) => t.name), pushed: push, gateFailed: !!measured.gateFailure, tags: plan.publish.tags, revision: source.revision, ...(prepared.go ? { goVersion: prepared.go.version } : {}), engine, env: environment.env, workDir: environment.workDir },
    tools,
    outputs,
  );
  if (attested) measured.report.attestations = attested;
  const tagsMoved = await moveTags(config, plan.publish, image, measured, tools);
  outputs.tags = config.pushByDigest || !tagsMoved ? '' : plan.publish.tags.join('\n');

  const summaryHeader = renderSummary({
    imageRef,
    tags: config.pushByDigest ? [] : plan.publish.tags,
    pushed: push,
    tagsMoved,
    binaries,
    goVersion: prepared.go?.version ?? '',
    cachedSteps: built.cachedSteps,
    phases: timer.phases,
    ...(prepared.context.caBundle ? { caBundle: prepared.context.caBundle } : {}),
    ...(attested ? { attestations: attested } : {}),
  });
  await publishReport(measured, summaryHeader, config, environment.env, tools);
  return measured.gateFailure;
}

/** Checks (or creates) the buildx builder and what it supports; a builder it creates is saved for the post step at once. */
async function prepareBuildxBuilder(config: Config, tools: Tools): Promise<{ name: string; features: FeatureCheck }> {
  const log = tools.reporter;
  const builder = await prepareBuilder(config, tools.exec, log);
  if (builder.created) log.saveState(State.builderToRemove, builder.name);
  log.info(`buildx ${builder.buildxVersion}, builder ${builder.name || '(current)'} (${builder.driver} driver)`);
  const features = planFeatures(config, { buildx: builder.buildxVersion, ...(builder.buildkitVersion ? { buildkit: builder.buildkitVersion } : {}) });
  for (const warning of features.warnings) log.warning(warning);
  if (features.errors.length > 0) throw new ActionError(features.errors.join('\n'));
  return { name: builder.name, features };
}

/**
 * Compressed layers of the images this run can know cheaply (the baseline, the previous image at
 * every tag it will move) that this action compressed with the same settings. None with `load`:
 * docker load needs every blob in the local layout.
 */
async function reusableLayers(config: Config, plan: PublishPlan, reads: RegistryClient, tools: Tools): Promise<ReusableLayers> {
  if (config.load) return new Map();
  const previous = plan.targets.flatMap((t) => t.tags.map((tag) => ({ ...t.name, tag })));
  // Losing the reuse only costs time: a line in the log, not a warning (the baseline read warns for itself).
  return findReusableLayers(reads, [plan.baseline, ...previous], compressionId(config.compression.level), (message) => tools.reporter.info(message));
}

async function compressOrReuse(image: OciImage, level: number, reusable: ReusableLayers, tools: Tools): Promise<OciImage> {
  const compressed = await compressLayers(image, level, { reusable });
  const reused = compressed.remoteBlobs?.size ?? 0;
  if (reused > 0) {
    const from = [...new Set([...compressed.remoteBlobs!.values()].map((b) => formatImageName(b.from)))];
    tools.reporter.info(`Reused ${reused} compressed layer${reused === 1 ? '' : 's'} from ${from.join(', ')} (same diff_id, same compression): not compressed again`);
  }
  return compressed;
}

/** Tags the pushed image unless the size gate failed: nothing gets tagged that the gate rejects. */
async function moveTags(config: Config, plan: PublishPlan, image: OciImage, measured: MeasuredImage, tools: Tools): Promise<boolean> {
  if (!plan.push) return false;
  if (measured.gateFailure) {
    const tags = plan.targets.flatMap((t) => t.tags.map((tag) => `${t.name.registry}/${t.name.repository}:${tag}`));
    tools.reporter.warning(`The size gate failed, so the tags were not moved (${tags.join(', ')}); the image is pushed by digest only: ${repositoryRef(config.image)}@${image.root.digest}`);
    return false;
  }
  await tagOciImage(tools.registry, image, plan.targets, (line) => tools.reporter.info(line));
  return true;
}

interface BuildxRun {
  image: OciImage;
  /** Build steps BuildKit took from its cache; undefined for the direct engine. */
  cachedSteps?: number;
}

/** The direct engine: the same OCI layout BuildKit would export, written from the compiled binaries. */
async function writeDirect(config: Config, prepared: PreparedContext, plan: BuildPlan, source: SourceInfo, registry: RegistryClient): Promise<BuildxRun> {
  if (!prepared.stage || !prepared.go) throw new ActionError('the direct engine needs the prebuilt mode (binaries compiled on the runner)');
  await fs.rm(plan.buildx.ociDest, { recursive: true, force: true });
  const image = await writeDirectImage({
    dir: plan.buildx.ociDest,
    binaries: prepared.binaries,
    stage: prepared.stage,
    zoneinfoPath: path.join(prepared.go.goroot, 'lib', 'time', 'zoneinfo.zip'),
    labels: config.labels,
    annotations: config.annotations,
    sourceDateEpoch: source.epoch,
    registry,
  });
  return { image };
}

/** Runs the planned `docker buildx build` and reads the OCI layout it exported. */
async function runBuildx(config: Config, plan: BuildPlan, source: SourceInfo, environment: RunEnvironment, tools: Tools): Promise<BuildxRun> {
  const { reporter } = tools;
  const { args, secretEnv, ociDest, metadataFile } = plan.buildx;
  await fs.rm(metadataFile, { force: true });
  await fs.rm(ociDest, { recursive: true, force: true });
  const secrets = Object.fromEntries(secretEnv.map((name, i) => [name, config.secrets[i]!.value]));
  let progress = '';
  await reporter.group('Building the image with buildx', () =>
    tools.exec('docker', args, {
      env: { ...environment.env, ...secrets, SOURCE_DATE_EPOCH: String(source.epoch) },
      onLine: (line) => {
        progress += `${line}\n`;
        reporter.info(line);
      },
      hint: registryErrorHint,
      headline: buildxFailureCause,
    }),
  );
  for (const error of cacheExportErrors(progress)) reporter.warning(`The layer cache could not be exported (${error}); the image is fine, but the next build will not find this cache.`);
  const metadata = parseBuildMetadata(await fs.readFile(metadataFile, 'utf8'));
  const image = await readOciImage(ociDest);
  if (image.root.digest !== metadata.digest) reporter.warning(`buildx reported ${metadata.digest} but exported ${image.root.digest}`);
  return { image, cachedSteps: countCachedSteps(progress) };
}

async function checkBinaries(binaries: readonly BuiltBinary[]): Promise<void> {
  for (const binary of binaries) {
    const problems = staticBinaryProblems(readElf(await fs.readFile(binary.path)), binary.platform.arch);
    if (problems.length > 0) throw new ActionError(`The ${formatPlatform(binary.platform)} binary cannot go into the image: ${problems.join('; ')}.`);
  }
}

/** Installs Go and restores its caches, then checks every platform is one it can target. */
async function resolveGo(config: Config, environment: RunEnvironment, tools: Tools, outputs: RunOutputs): Promise<GoTool> {
  const setup = await setupGo(config, environment.env, tools);
  const tool = setup.tool;
  outputs['go-version'] = tool.version;
  outputs['go-cache-hit'] = String(setup.caches?.build.hit ?? false);
  const checkingMain = requireMainPackage(tools.exec, tool, config.workingDirectory, config.mainPackage);
  checkingMain.catch(() => undefined);
  const unsupported = unsupportedPlatforms(config.platforms, await distList(tools.exec, tool));
  if (unsupported.length > 0) {
    const first = unsupported[0]!;
    throw new InputError(Inputs.platforms.name, first.platform, `a platform Go ${tool.version} can build (closest: ${first.closest.join(', ')}; see go tool dist list)`);
  }
  await checkingMain;
  return tool;
}

/** Applies the `auto` rules for CA certificates and zoneinfo from the program's dependencies, and says what it decided. */
async function decideRootfs(config: Config, go: GoTool, tools: Tools): Promise<{ rootfs: RootfsSpec; note: string }> {
  const decide = (setting: Tristate, auto: () => Promise<boolean>) => (setting === 'auto' ? auto() : Promise.resolve(setting === 'true'));
  const first = config.platforms[0]!;
  let packages: Awaited<ReturnType<typeof listDependencies>> | undefined;
  const deps = async () =>
    (packages ??= await listDependencies(tools.exec, go.go, config.workingDirectory, config.mainPackage, { ...go.env, CGO_ENABLED: '0', ...goEnv(first) }, config.buildTags));
  const caCertificates = await decide(config.caCertificates, async () => needsCaCertificates(await deps()));
  const zoneinfo = await decide(config.timezoneData, async () => needsZoneinfo(await deps()));
  const note =
    `CA certificates: ${caCertificates ? 'included' : 'left out'}${config.caCertificates === 'auto' ? ' (auto: the program ' + (caCertificates ? 'uses' : 'does not use') + ' crypto/x509)' : ''}; ` +
    `zoneinfo: ${zoneinfo ? 'included' : 'left out'}${config.timezoneData === 'auto' ? ' (auto: ' + (zoneinfo ? 'time.LoadLocation is called and time/tzdata is not embedded' : 'no time.LoadLocation outside the standard library, or time/tzdata embedded') + ')' : ''}`;
  return { rootfs: { caCertificates, zoneinfo }, note };
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
  /** The final stage the generated Dockerfile declares (what the direct engine writes); absent with the user's own Dockerfile. */
  stage?: FinalStageSpec;
  binaries: BuiltBinary[];
  /** The Go that built (or would build) the binaries; absent with the user's own Dockerfile. */
  go?: GoTool;
}

/**
 * Compiles on the runner (prebuilt) or writes the self-contained Dockerfile (source), or takes the
 * user's. `readingSource` (the git reads) runs alongside the Go setup; the dependency list for the
 * CA/zoneinfo decision runs alongside the compile.
 */
async function prepareContext(config: Config, environment: RunEnvironment, readingSource: Promise<SourceInfo>, tools: Tools, timer: PhaseTimer, outputs: RunOutputs): Promise<PreparedContext> {
  const { reporter } = tools;
  if (config.build.kind === 'dockerfile') {
    return { context: { dir: config.workingDirectory, dockerfile: config.build.path, namedContexts: {} }, binaries: [] };
  }

  const go = await timer.time('Go setup', () => resolveGo(config, environment, tools, outputs));
  const source = await readingSource;
  const ldflags = expandTemplate(config.ldflags, templateValues(source));
  const decidingRootfs = decideRootfs(config, go, tools);
  decidingRootfs.catch(() => undefined);
  const stageOf = async (): Promise<FinalStageSpec> => {
    const { rootfs, note } = await decidingRootfs;
    reporter.info(note);
    return { binaryName: config.binaryName, baseImage: config.baseImage, expose: config.expose, labels: ociLabels(config, source, environment.env), rootfs };
  };
  const contextDir = path.join(environment.workDir, 'context');
  await fs.rm(contextDir, { recursive: true, force: true });

  if (config.build.kind === 'source') {
    const spec = await stageOf();
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
    return { context, stage: spec, binaries: [], go };
  }

  const requests: CompileRequest[] = config.platforms.map((platform) => ({
    platform,
    mainPackage: config.mainPackage,
    output: path.join(contextDir, binaryContextPath(platform, config.binaryName)),
    buildTags: config.buildTags,
    userLdflags: ldflags,
  }));
  const binaries = await timer.time('compile', () =>
    reporter.group(`Compiling ${config.mainPackage} for ${config.platforms.map(formatPlatform).join(', ')}`, async () => {
      const built = await compileAll(requests, async (args, env) => {
        reporter.info(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} go ${args.join(' ')}`);
        await tools.exec(go.go, args, { cwd: config.workingDirectory, env: { ...go.env, ...env } });
      });
      for (const binary of built) reporter.info(`${formatPlatform(binary.platform)}: ${formatBytes(binary.size)} in ${binary.seconds.toFixed(1)} s`);
      return built;
    }),
  );
  await checkBinaries(binaries);
  const spec = await stageOf();
  const context = await writePrebuiltContext(contextDir, spec, go.goroot, source.epoch);
  return { context, stage: spec, binaries, go };
}

/** `docker load` of the exported OCI layout, tagged with the run's tags. */
async function loadIntoDocker(ociDir: string, tags: readonly string[], workDir: string, tools: Tools): Promise<void> {
  const archive = path.join(workDir, 'image.tar');
  await tools.exec('tar', ['-C', ociDir, '-cf', archive, '.']);
  const { stdout } = await tools.exec('docker', ['load', '--input', archive], { hint: () => 'load needs a running Docker daemon on the runner.' });
  const loaded = /Loaded image(?: ID)?: (\S+)/.exec(stdout)?.[1];
  if (!loaded) throw new ActionError(`docker load did not say which image it loaded: ${stdout.trim()}`);
  for (const tag of tags) await tools.exec('docker', ['tag', loaded, tag]);
}

/**
 * `mode: merge`: the legs' digests stitched into one index pushed by digest, the size report for
 * all platforms, the gate, and only then the tags: nothing gets tagged that the gate rejects.
 */
async function runMerge(config: Config, environment: RunEnvironment, tools: Tools, outputs: RunOutputs): Promise<string | undefined> {
  const { reporter, registry } = tools;
  const engine = await chooseMergeEngine(config, tools);
  if (engine === 'buildx') {
    const features = planFeatures(config, { buildx: await buildxVersion(tools.exec) });
    if (features.errors.length > 0) throw new ActionError(features.errors.join('\n'));
  }
  const run = await readRunContext(environment.env, (message) => tools.reporter.warning(message));
  const plan = planPublish(config, { run, publishedTags: await publishedTags(config, run, tools) });
  logPublishPlan(plan, tools);
  const baseline = await readBaselineReport(registry, plan.baseline, binaryPaths(config), reporter);
  const timer = new PhaseTimer(tools.clock);
  const merge: MergeOptions = { sha: run.sha, runId: run.runId, image: config.image, platforms: config.platforms, tags: plan.tags, builder: config.builder, client: registry, exec: tools.exec, engine, log: reporter, carryAnnotations: { [SIZE_REPORT_ANNOTATION]: mergeStoredReports } };
  const index = await timer.time('merge', () => reporter.group('Merging the matrix legs', () => composeMergedIndex(merge)));
  outputs.digest = index.digest;
  outputs['image-ref'] = index.imageRef;
  const measured = await timer.time('report', () =>
    measureImage({ config, client: registry, digest: index.digest, imageRef: index.imageRef, binaries: [], binaryPaths: [], baseline, commit: run.sha }, reporter),
  );
  Object.assign(outputs, measured.outputs);
  const attested = await attachMergeAttestations({ config, index, gateFailed: !!measured.gateFailure, tags: plan.tags, revision: run.sha, env: environment.env }, tools, outputs);
  let tagsMoved = false;
  if (measured.gateFailure) {
    reporter.warning(
      `The size gate failed, so the tags were not moved (${plan.tags.join(', ')}); the index is pushed by digest only: ${index.imageRef}. ` +
        'The legs keep their temporary tags, so a re-run of the merge finds them.',
    );
  } else {
    await timer.time('merge', () => reporter.group('Tagging the index', () => tagIndex(merge, index)));
    tagsMoved = true;
  }
  outputs.tags = tagsMoved ? plan.tags.join('\n') : '';
  if (attested) measured.report.attestations = attested;
  const summaryHeader = renderSummary({ imageRef: index.imageRef, tags: plan.tags, pushed: true, tagsMoved, binaries: [], goVersion: '', phases: timer.phases, ...(attested ? { attestations: attested } : {}) });
  await publishReport(measured, summaryHeader, config, environment.env, tools);
  return measured.gateFailure;
}

/** The first platform's binary attributed to Go modules, from the shipped binary itself (its function table and build info). */
async function attributeBinary(config: Config, prepared: PreparedContext, image: OciImage, tools: Tools): Promise<{ platform: string; binarySize: number; current: Attribution } | undefined> {
  if (!prepared.go) return undefined;
  const platform = config.platforms[0]!;
  try {
    const built = prepared.binaries.find((b) => formatPlatform(b.platform) === formatPlatform(platform));
    const inImage = `${BINARY_DIR}/${config.binaryName}`;
    // Source mode: BuildKit compiled it, so it is read from the layout's layers.
    const file = built ? await fs.readFile(built.path) : await readImageFile(image, platform, inImage);
    if (!file) throw new Error(`no uncompressed or gzip layer of the ${formatPlatform(platform)} image holds ${inImage}`);
    return { platform: formatPlatform(platform), binarySize: file.length, current: attributeBinaryBytes(file) };
  } catch (error) {
    tools.reporter.warning(`The binary could not be attributed to Go modules (${errorMessage(error)}); the report shows sizes only.`);
    return undefined;
  }
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Compression, Config } from './config.js';
import { openDestinations } from './destination/open.js';
import type { Destination } from './destination/destination.js';
import { chooseEngine, chooseMergeEngine } from './engine/choose.js';
import type { PreparedContext } from './engine/engine.js';
import { ActionError, errorMessage, InputError } from './errors.js';
import { readSourceInfo, templateValues, type SourceInfo } from './git.js';
import { binaryContextPath, compileAll, STRIP_LDFLAGS, type BuiltBinary, type CompileRequest } from './go/compile.js';
import { checkStaticBinaries } from './go/elf.js';
import { listDependencies, type DependencyPackage } from './go/deps.js';
import { distList, requireGoModule, requireMainPackage, type GoTool } from './go/gotool.js';
import { setupGo } from './go/setup.js';
import { attributeBinaryBytes } from './report/binary-attribution.js';
import { readRunContext, type RunContext } from './github/event.js';
import { dockerfileDetails, writePrebuiltContext, writeSourceContext } from './image/context.js';
import { BINARY_DIR, type FinalStageSpec } from './image/dockerfile.js';
import { ociLabels } from './image/labels.js';
import { readImageFile } from './image/layout-file.js';
import { encoderSettings, LAYER_CODECS } from './image/encoder.js';
import { findReusableLayers, type ReusableLayers } from './image/layer-reuse.js';
import { composeMergedIndex, tagIndex, type MergeOptions } from './image/merge.js';
import { ReadOnceRegistry, type Registry } from './image/registry.js';
import { annotateRoot, baseLayerDigests, compressLayers, describeCompressedLayer, localDiffIds, OciLayoutClient, type OciImage } from './image/oci-layout.js';
import { decideRootfs } from './image/rootfs.js';
import { Inputs } from './inputs.js';
import type { RunOutputs } from './outputs.js';
import { binaryPaths, planBuild, planPublish, type BuildPlan, type PublishPlan } from './plan.js';
import { formatPlatform, goEnv, knownLinuxPlatforms, unsupportedPlatforms } from './platform.js';
import { formatImageName, repositoryRef } from './reference.js';
import type { Attribution } from './report/attribution.js';
import { localLayerReader, reportToStore, measureImage, publishReport, readBaselineReport, type BaselineRead, type MeasuredImage } from './report/publish.js';
import { formatBytes } from './format-bytes.js';
import { recordsHistory, type HistorySettings } from './report/history.js';
import { mergeStoredReports, SIZE_REPORT_ANNOTATION } from './report/stored.js';
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

/** The image after the engine: compressed by the action (or reused), annotated with the stored report, and what sizing it needs. */
interface FinishedImage {
  image: OciImage;
  /** Reads the image from the local layout: the same bytes a push sends, nothing downloaded again. */
  client: OciLayoutClient;
  reader: ReturnType<typeof localLayerReader>;
  attribution?: { platform: string; binarySize: number; current: Attribution } | undefined;
}

/** `mode: build`: Go binaries -> engine -> layers -> destinations by digest -> size report -> gate -> tags. */
async function runBuild(config: Config, environment: RunEnvironment, tools: Tools, outputs: RunOutputs): Promise<string | undefined> {
  const { reporter } = tools;
  await preflight(config, environment);
  const run = await readRunContext(environment.env, (message) => tools.reporter.warning(message));
  const timer = new PhaseTimer(tools.clock);
  const engine = await chooseEngine(config, tools);
  // The engine's own checks (the buildx builder) come first, so one that cannot work fails before any
  // slow work; the git reads run alongside Go setup and the compile.
  const readiness = await engine.prepare();
  const readingSource = readSourceInfo(tools.exec, config.workingDirectory, environment.env);
  readingSource.catch(() => undefined);
  const prepared = await prepareContext(config, environment, readingSource, tools, timer, outputs);
  const source = await readingSource;
  const plan = planBuild(config, { run, publishedTags: await publishedTags(config, run, tools), unsupported: readiness.unsupported, engine });
  logPublishPlan(plan.publish, tools);
  // Manifests and configs only (a few KB), read while the image is built.
  const reads = new ReadOnceRegistry(tools.registry);
  const findingReusable = plan.compressLayers && plan.reuseLayers ? reusableLayers(plan.publish, reads, config.compression, tools) : Promise.resolve(new Map());
  // Before the push, which may move the very tag it names; alongside the build, as it is network I/O.
  const readingBaseline = readBaselineReport(reads, plan.publish.baseline, plan.binaryPaths, reporter);
  const { publish } = plan;
  const built = await timer.time('image build', () => engine.build({ prepared, source, cacheFrom: publish.cacheFrom, cacheTo: publish.cacheTo, workDir: environment.workDir, registry: reads, env: environment.env }));
  const binaries = prepared.binaries.map((b) => ({ platform: formatPlatform(b.platform), size: b.size }));
  const history: HistorySettings = { limit: config.history, records: recordsHistory(run), epoch: source.epoch };
  const finished = await finishImage(built.image, { config, plan, prepared, findingReusable, readingBaseline, binaries, history, commit: source.revision, tools, timer });
  const { image } = finished;
  const destinations = openDestinations(plan.destinations, { exec: tools.exec, registry: tools.registry, workDir: environment.workDir });
  await sendImage(destinations, image, timer, tools);
  const imageRef = `${repositoryRef(config.image)}@${image.root.digest}`;
  Object.assign(outputs, { digest: image.root.digest, 'image-ref': imageRef });
  const baseline = await readingBaseline;
  const measured = await timer.time('report', () =>
    measureImage(
      { config, client: finished.client, reader: finished.reader, baseLayers: baseLayerDigests(image), digest: image.root.digest, imageRef, binaries, binaryPaths: plan.binaryPaths, baseline, ...(finished.attribution ? { attribution: finished.attribution } : {}), commit: source.revision, history, pullRequest: Boolean(run.pullRequest) },
      reporter,
    ),
  );
  Object.assign(outputs, measured.outputs);
  // Once the gate passed and before the tags move: a tag never names an image without its SBOM and provenance.
  const attestation = { config, image, built: built.image, repositories: publish.targets.map((t) => t.name), pushed: publish.push, gateFailed: !!measured.gateFailure, tags: publish.tags, revision: source.revision, engine: engine.name, env: environment.env, workDir: environment.workDir };
  const attested = await attachBuildAttestations({ ...attestation, ...(prepared.go ? { goVersion: prepared.go.version } : {}) }, tools, outputs);
  if (attested) measured.report.attestations = attested;
  const tagsMoved = (await moveTags(config, publish.push, destinations, image, measured, tools)) && publish.push;
  outputs.tags = config.pushByDigest || !tagsMoved ? '' : publish.tags.join('\n');
  const header = renderSummary({
    imageRef,
    tags: config.pushByDigest ? [] : publish.tags,
    pushed: publish.push,
    tagsMoved,
    binaries,
    goVersion: prepared.go?.version ?? '',
    cachedSteps: built.cachedSteps,
    phases: timer.phases,
    ...(prepared.context.caBundle ? { caBundle: prepared.context.caBundle } : {}),
    ...(attested ? { attestations: attested } : {}),
  });
  await publishReport(measured, header + (prepared.stage ? `\n${await dockerfileDetails(prepared.context)}` : ''), config, environment.env, tools);
  return measured.gateFailure;
}

interface FinishContext {
  config: Config;
  plan: BuildPlan;
  prepared: PreparedContext;
  findingReusable: Promise<ReusableLayers>;
  readingBaseline: Promise<BaselineRead>;
  binaries: readonly { platform: string; size: number }[];
  history: HistorySettings;
  commit: string;
  tools: Tools;
  timer: PhaseTimer;
}

/** Compresses the engine's layers (unless it owns them), attributes the binary alongside, and stores the size report in the image. */
async function finishImage(built: OciImage, context: FinishContext): Promise<FinishedImage> {
  const { config, plan, prepared, findingReusable, tools, timer } = context;
  let image = built;
  // Started before the compression so it overlaps it.
  const attributing = attributeBinary(config, prepared, image, tools);
  if (plan.compressLayers) {
    const reusable = await findingReusable;
    image = await timer.time('compress', () =>
      tools.reporter.group(`Compressing the layers (${encoderSettings(config.compression)})`, () => compressOrReuse(image, config.compression, reusable, tools)),
    );
  }
  const client = new OciLayoutClient(image.dir, tools.registry, image.remoteBlobs);
  const reader = localLayerReader(client, localDiffIds(image));
  const [attribution, baseline] = await Promise.all([attributing, context.readingBaseline]);
  if (plan.storeReport) {
    const { binaries, history, commit } = context;
    const stored = await timer.time('report', () => reportToStore({ name: config.image, digest: image.root.digest, client, reader, binaryPaths: plan.binaryPaths, attribution, baseline, binaries, commit, history }));
    if (stored) image = await annotateRoot(image, { [SIZE_REPORT_ANNOTATION]: stored });
  }
  return { image, client, reader, attribution };
}

/** Sends the image to every planned destination, each in its own log group, by digest only. */
async function sendImage(destinations: readonly Destination[], image: OciImage, timer: PhaseTimer, tools: Tools): Promise<void> {
  const log = (line: string) => tools.reporter.info(line);
  for (const destination of destinations) await timer.time(destination.phase, () => tools.reporter.group(destination.title, () => destination.send(image, log)));
}

/**
 * Compressed layers of the images this run can know cheaply (the baseline, the previous image at
 * every tag it will move) that this action compressed with the same settings.
 */
async function reusableLayers(plan: PublishPlan, reads: Registry, compression: Compression, tools: Tools): Promise<ReusableLayers> {
  const previous = plan.targets.flatMap((t) => t.tags.map((tag) => ({ ...t.name, tag })));
  const encoder = { mediaType: LAYER_CODECS[compression.algorithm].mediaType, settings: encoderSettings(compression) };
  // Losing the reuse only costs time: a line in the log, not a warning (the baseline read warns for itself).
  return findReusableLayers(reads, [plan.baseline, ...previous], encoder, (message) => tools.reporter.info(message));
}

async function compressOrReuse(image: OciImage, compression: Compression, reusable: ReusableLayers, tools: Tools): Promise<OciImage> {
  const compressed = await compressLayers(image, compression, { reusable, onLayer: (layer) => tools.reporter.info(describeCompressedLayer(layer)) });
  const reused = compressed.remoteBlobs?.size ?? 0;
  if (reused > 0) {
    const from = [...new Set([...compressed.remoteBlobs!.values()].map((b) => formatImageName(b.from)))];
    tools.reporter.info(`Reused ${reused} compressed layer${reused === 1 ? '' : 's'} from ${from.join(', ')} (same diff_id, same compression): not compressed again`);
  }
  return compressed;
}

/** Moves every destination's tags unless the size gate failed: nothing gets tagged that the gate rejects. Returns whether they moved. */
async function moveTags(config: Config, pushed: boolean, destinations: readonly Destination[], image: OciImage, measured: MeasuredImage, tools: Tools): Promise<boolean> {
  const tags = destinations.flatMap((d) => d.tags);
  if (measured.gateFailure) {
    const where = pushed ? `is pushed by digest only: ${repositoryRef(config.image)}@${image.root.digest}` : `is ${image.root.digest}, untagged`;
    if (tags.length > 0) tools.reporter.warning(`The size gate failed, so the tags were not moved (${tags.join(', ')}); the image ${where}`);
    return false;
  }
  for (const destination of destinations) await destination.tag(image, (line) => tools.reporter.info(line));
  return true;
}

/** Go set up for the run, and the main package with its imports (one `go list -deps`). */
interface ResolvedGo {
  tool: GoTool;
  packages: DependencyPackage[];
}

/**
 * Installs Go and restores its caches, then checks every platform is one it can target (from the
 * ports table; `go tool dist list` only for a Go older than it) and that `main` is one main package
 * of the module, from the run's one `go list -deps`, which the CA/zoneinfo rules read too.
 */
async function resolveGo(config: Config, environment: RunEnvironment, tools: Tools, outputs: RunOutputs): Promise<ResolvedGo> {
  const setup = await setupGo(config, environment.env, tools);
  const tool = setup.tool;
  outputs['go-version'] = tool.version;
  outputs['go-cache-hit'] = String(setup.caches?.build.hit ?? false);
  return tools.reporter.group(`Listing ${config.mainPackage} and its imports`, async () => {
    const listing = listDependencies(tools.exec, tool.go, config.workingDirectory, config.mainPackage, { ...tool.env, CGO_ENABLED: '0', ...goEnv(config.platforms[0]!) }, config.buildTags);
    listing.catch(() => undefined);
    const ports = knownLinuxPlatforms(tool.version) ?? (await distList(tools.exec, tool));
    const unsupported = unsupportedPlatforms(config.platforms, ports);
    if (unsupported.length > 0) {
      const first = unsupported[0]!;
      throw new InputError(Inputs.platforms.name, first.platform, `a platform Go ${tool.version} can build (closest: ${first.closest.join(', ')}; see go tool dist list)`);
    }
    await requireMainPackage(tools.exec, tool, config.workingDirectory, config.mainPackage, listing);
    const packages = await listing;
    tools.reporter.info(`${packages.length} packages (${packages.filter((p) => !p.standard).length} outside the standard library)`);
    return { tool, packages };
  });
}

/**
 * Compiles on the runner (prebuilt) or writes the self-contained Dockerfile (source), or takes the
 * user's. `readingSource` (the git reads) runs alongside the Go setup; the dependency list for the
 * CA/zoneinfo decision runs alongside the compile.
 */
async function prepareContext(config: Config, environment: RunEnvironment, readingSource: Promise<SourceInfo>, tools: Tools, timer: PhaseTimer, outputs: RunOutputs): Promise<PreparedContext> {
  if (config.build.kind === 'dockerfile') {
    return { context: { dir: config.workingDirectory, dockerfile: config.build.path, namedContexts: {} }, binaries: [] };
  }
  const { tool: go, packages } = await timer.time('Go setup', () => resolveGo(config, environment, tools, outputs));
  const source = await readingSource;
  const ldflags = expandTemplate(config.ldflags, templateValues(source));
  const decidingRootfs = decideRootfs(config, packages);
  decidingRootfs.catch(() => undefined);
  const stageOf = async (): Promise<FinalStageSpec> => {
    const { rootfs, note } = await decidingRootfs;
    tools.reporter.info(note);
    return { binaryName: config.binaryName, baseImage: config.baseImage, expose: config.expose, labels: ociLabels(config.binaryName, source, environment.env), rootfs };
  };
  const contextDir = path.join(environment.workDir, 'context');
  await fs.rm(contextDir, { recursive: true, force: true });
  if (config.build.kind === 'source') {
    const stage = await stageOf();
    const goImage = config.build.goImage || `golang:${go.version}`;
    const build = { goImage, mainPackage: config.mainPackage, buildTags: config.buildTags, ldflags: [STRIP_LDFLAGS, ldflags].filter(Boolean).join(' ') };
    const context = await writeSourceContext(contextDir, config.workingDirectory, stage, build, go.goroot);
    tools.reporter.info(`Source mode: BuildKit compiles in ${goImage} on the build platform`);
    outputs.dockerfile = context.dockerfile;
    return { context, stage, binaries: [], go };
  }
  const binaries = await timer.time('compile', () => compileBinaries(config, go, contextDir, ldflags, tools));
  await checkStaticBinaries(binaries);
  if (binaries.length > 0) outputs['binary-size'] = String(Math.max(...binaries.map((b) => b.size)));
  const stage = await stageOf();
  const context = await writePrebuiltContext(contextDir, stage, go.goroot);
  outputs.dockerfile = context.dockerfile;
  return { context, stage, binaries, go };
}

/** `go build` for every platform into the build context, in its own log group. */
async function compileBinaries(config: Config, go: GoTool, contextDir: string, ldflags: string, tools: Tools): Promise<BuiltBinary[]> {
  const { reporter } = tools;
  const requests: CompileRequest[] = config.platforms.map((platform) => ({
    platform,
    mainPackage: config.mainPackage,
    output: path.join(contextDir, binaryContextPath(platform, config.binaryName)),
    buildTags: config.buildTags,
    userLdflags: ldflags,
  }));
  return reporter.group(`Compiling ${config.mainPackage} for ${config.platforms.map(formatPlatform).join(', ')}`, async () => {
    const built = await compileAll(requests, async (args, env) => {
      reporter.info(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} go ${args.join(' ')}`);
      await tools.exec(go.go, args, { cwd: config.workingDirectory, env: { ...go.env, ...env } });
    });
    for (const binary of built) reporter.info(`${formatPlatform(binary.platform)}: ${formatBytes(binary.size)} in ${binary.seconds.toFixed(1)} s`);
    return built;
  });
}

/**
 * `mode: merge`: the legs' digests stitched into one index pushed by digest, the size report for
 * all platforms, the gate, and only then the tags: nothing gets tagged that the gate rejects.
 */
async function runMerge(config: Config, environment: RunEnvironment, tools: Tools, outputs: RunOutputs): Promise<string | undefined> {
  const { reporter, registry } = tools;
  const engine = await chooseMergeEngine(config, tools);
  const run = await readRunContext(environment.env, (message) => tools.reporter.warning(message));
  const plan = planPublish(config, { run, publishedTags: await publishedTags(config, run, tools) });
  logPublishPlan(plan, tools);
  if (!plan.push) return skipUnpushedMerge(config, tools);
  const baseline = await readBaselineReport(registry, plan.baseline, binaryPaths(config), reporter);
  const timer = new PhaseTimer(tools.clock);
  const merge: MergeOptions = { sha: run.sha, runId: run.runId, image: config.image, platforms: config.platforms, tags: plan.tags, builder: config.builder, client: registry, exec: tools.exec, engine, log: reporter, carryAnnotations: { [SIZE_REPORT_ANNOTATION]: mergeStoredReports } };
  const index = await timer.time('merge', () => reporter.group('Merging the matrix legs', () => composeMergedIndex(merge)));
  outputs.digest = index.digest;
  outputs['image-ref'] = index.imageRef;
  const measured = await timer.time('report', () =>
    measureImage({ config, client: registry, digest: index.digest, imageRef: index.imageRef, binaries: [], binaryPaths: [], baseline, commit: run.sha, history: { limit: config.history, records: recordsHistory(run), epoch: 0 }, pullRequest: Boolean(run.pullRequest) }, reporter),
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

/**
 * A merge job that may not push (a fork's or Dependabot's pull request, or push: false): its legs
 * pushed nothing either, so there is no leg in the registry to compose, size or compare. It says so
 * in one line and in the summary, and succeeds; each leg's own summary has its platform's size.
 */
async function skipUnpushedMerge(config: Config, tools: Tools): Promise<undefined> {
  const line =
    config.push === false
      ? 'Merge skipped: push is false, and composing the index means pushing it, so no index is composed, sized or tagged.'
      : "Merge skipped: the workflow token cannot push on this pull request, so the matrix legs pushed nothing and there is no index to compose, size or tag; each leg's summary reports its platform's size.";
  tools.reporter.info(line);
  await tools.reporter.addSummary(['## go-slim-image', '', line, ''].join('\n'));
  return undefined;
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

import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import { commentWarning } from '../github/comments.js';
import { commentDecision, readPullRequestContext } from '../github/event.js';
import { readBaselineImage } from './baseline.js';
import { readImageSizes } from './inspect.js';
import { addLayerDetails, LayerReader, readLayerVia } from './layers.js';
import type { Registry } from '../image/registry.js';
import type { RunOutputs } from '../outputs.js';
import { formatImageName, repositoryRef, type ImageName } from '../reference.js';
import type { Reporter } from '../reporter.js';
import type { Tools } from '../tools.js';
import { compareAttributions, comparePackages, sameBasis, type Attribution } from './attribution.js';
import { commentMarker, renderSizeComment, renderSizeReport, type SizeReport } from './comment.js';
import { evaluateGate, gateFailure } from './gate.js';
import { classifiedLayers, compareWithBaseline, largestCompressed, largestDelta, largestUncompressed, sizesOutput, type Baseline, type PlatformSize } from './size.js';
import { historyEntry, historyPoints, nextHistory, type HistorySettings } from './history.js';
import { parseStoredReport, serializeStoredReport, SIZE_REPORT_ANNOTATION, type AttributedBinary, type StoredReport } from './stored.js';

/** Baseline sizes and the per-module breakdown stored in the baseline image. */
export interface BaselineRead {
  baseline: Baseline;
  stored?: StoredReport;
}

/**
 * Reads the baseline before the push (pushing may move the very tag it names). A missing tag is a
 * state, not an error; a registry failure is a warning and the report goes on without deltas.
 */
export async function readBaselineReport(client: Registry, name: ImageName, binaryPaths: string[], reporter: Reporter): Promise<BaselineRead> {
  try {
    const { baseline, annotations } = await readBaselineImage(name, client, new LayerReader(client), { binaryPaths });
    const stored = parseStoredReport(annotations[SIZE_REPORT_ANNOTATION]);
    return { baseline, ...(stored ? { stored } : {}) };
  } catch (error) {
    reporter.warning(`The baseline ${formatImageName(name)} could not be read (${errorMessage(error)}); sizes are reported without deltas.`);
    return { baseline: { state: 'none' } };
  }
}

export interface MeasureInput {
  config: Config;
  /** Where the image's manifests and blobs are read: the local OCI layout, or the registry for a merged index. */
  client: Registry;
  digest: string;
  imageRef: string;
  binaries: readonly { platform: string; size: number }[];
  binaryPaths: string[];
  baseline: BaselineRead;
  attribution?: { platform: string; current: Attribution; binarySize?: number };
  commit: string;
  /** Layers that came from the base image, when known (the direct engine knows them): classified as base. */
  baseLayers?: ReadonlySet<string>;
  /** A reader over `client` that already read some layers (see reportToStore). */
  reader?: LayerReader;
  /** How many builds the history shows, and whether this one joins it. */
  history: HistorySettings;
  /** Whether the run is for a pull request (its point is labelled `PR`). */
  pullRequest: boolean;
}

/** A layer reader for an image in a local OCI layout, whose reused layers it holds only uncompressed. */
export function localLayerReader(client: Registry, localDiffIds: ReadonlyMap<string, string>): LayerReader {
  return new LayerReader(client, readLayerVia(localDiffIds));
}

/**
 * The size report to store in the image (report/stored.ts): the attribution, every layer's details,
 * and the history with this build as its last entry when it is a default-branch build. Undefined
 * when there is nothing to store.
 */
export async function reportToStore(input: {
  name: ImageName;
  digest: string;
  client: Registry;
  reader: LayerReader;
  binaryPaths: string[];
  attribution: AttributedBinary | undefined;
  baseline: BaselineRead;
  binaries: readonly { platform: string; size: number }[];
  commit: string;
  history: HistorySettings;
}): Promise<string | undefined> {
  const sizes = await readImageSizes(input.name, input.digest, input.client).catch(() => undefined);
  // Classified by their files only, as buildx's image (which cannot tell base layers apart) is, so both engines store the same bytes.
  const layers = sizes ? await addLayerDetails(input.reader, input.name, sizes, { binaryPaths: input.binaryPaths }).then(classifiedLayers, () => undefined) : undefined;
  const history =
    sizes && input.history.records && input.history.limit > 0
      ? nextHistory(
          input.baseline.stored?.history,
          historyEntry({ commit: input.commit, epoch: input.history.epoch, sizes, binaries: input.binaries, ...(input.attribution ? { attributed: input.attribution } : {}) }),
          input.history.limit,
        )
      : undefined;
  if (!input.attribution && !layers && !history) return undefined;
  return serializeStoredReport(input.attribution, layers, history);
}

/** The size report of one image: what the outputs, the summary, the comment and the gate are made of. */
export interface MeasuredImage {
  report: SizeReport;
  /** The report as markdown; empty when the sizes could not be read. */
  markdown: string;
  outputs: RunOutputs;
  /** The size gate's failure message, if any: the caller fails the step once everything is written. */
  gateFailure?: string;
}

/** Sizes the image, compares it with the baseline and evaluates the gate. Writes nothing. */
export async function measureImage(input: MeasureInput, reporter: Reporter): Promise<MeasuredImage> {
  const { config } = input;
  let sizes: PlatformSize[] = [];
  try {
    sizes = await readImageSizes(config.image, input.digest, input.client);
    const reader = input.reader ?? new LayerReader(input.client);
    sizes = await addLayerDetails(reader, config.image, sizes, { binaryPaths: input.binaryPaths, ...(input.baseLayers ? { baseLayers: input.baseLayers } : {}) });
  } catch (error) {
    reporter.warning(`The image size could not be read (${errorMessage(error)}); the size outputs stay empty.`);
  }
  const deltas = sizes.length > 0 ? compareWithBaseline(sizes, input.baseline.baseline) : [];
  const stored = input.baseline.stored?.attributed;
  const changes =
    // A baseline attributed another way (an older version's unstripped symbols) would show every module as changed.
    input.attribution && stored && stored.platform === input.attribution.platform && sameBasis(stored.attribution, input.attribution.current)
      ? compareAttributions(stored.attribution, input.attribution.current)
      : undefined;
  const packageChanges = changes && stored ? comparePackages(stored.attribution, input.attribution!.current) : undefined;
  const current = historyEntry({
    commit: input.commit,
    epoch: input.history.epoch,
    sizes,
    binaries: input.binaries,
    ...(input.attribution ? { attributed: { binarySize: 0, ...input.attribution } } : {}),
  });
  const history = sizes.length > 0 ? historyPoints(input.baseline.stored?.history, current, input.history, input.pullRequest) : undefined;
  const limits = { ...(config.sizeBudget !== undefined ? { budget: config.sizeBudget } : {}), ...(config.maxIncrease ? { maxIncrease: config.maxIncrease } : {}) };
  const gate = sizes.length > 0 ? evaluateGate(sizes, deltas, limits) : [];
  const report: SizeReport = {
    image: repositoryRef(config.image),
    imageRef: input.imageRef,
    sizes,
    deltas,
    baseline: input.baseline.baseline,
    ...(input.attribution ? { attribution: { ...input.attribution, ...(changes ? { changes } : {}), ...(packageChanges ? { packageChanges } : {}) } } : {}),
    ...(gate.length > 0 ? { gate } : {}),
    ...(history ? { history } : {}),
    commit: input.commit,
  };
  if (sizes.length === 0) return { report, markdown: '', outputs: {} };
  const markdown = renderSizeReport(report);
  const outputs: RunOutputs = { size: String(largestCompressed(sizes)) };
  const uncompressed = largestUncompressed(sizes);
  if (uncompressed !== undefined) outputs['size-uncompressed'] = String(uncompressed);
  outputs.sizes = JSON.stringify(sizesOutput(sizes, deltas, input.binaries));
  const delta = largestDelta(deltas);
  if (delta !== undefined) outputs['size-delta'] = String(delta);
  outputs['size-report'] = markdown;
  const failure = gateFailure(gate);
  return { report, markdown, outputs, ...(failure ? { gateFailure: failure } : {}) };
}

/** Writes the job summary (the run's header, then the size report) and the sticky PR comment. */
export async function publishReport(measured: MeasuredImage, summaryHeader: string, config: Config, env: NodeJS.ProcessEnv, tools: Tools): Promise<void> {
  await tools.reporter.addSummary(`${summaryHeader}\n${measured.markdown}`);
  if (measured.markdown) await postComment(config, measured.report, env, tools);
}

async function postComment(config: Config, report: SizeReport, env: NodeJS.ProcessEnv, tools: Tools): Promise<void> {
  const { reporter } = tools;
  try {
    const decision = commentDecision(config.comment, await readPullRequestContext(env), config.pushByDigest);
    if (!decision.post) {
      if (decision.warning) reporter.warning(decision.warning);
      return;
    }
    if (!config.githubToken) {
      reporter.warning('No github-token: the size report stays in the job summary (pass github-token: ${{ github.token }} with pull-requests: write).');
      return;
    }
    const result = await tools.github.upsertComment({
      token: config.githubToken,
      apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
      target: decision.target,
      marker: commentMarker(report.image),
      body: renderSizeComment(report),
    });
    if ('url' in result) reporter.info(`PR comment ${result.outcome}: ${result.url}`);
    else reporter.warning(commentWarning(result, decision.target.fork));
  } catch (error) {
    reporter.warning(`The PR comment could not be written (${errorMessage(error)}); the size report is in the job summary.`);
  }
}

import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import { commentWarning, upsertComment } from '../github/comments.js';
import { commentDecision, readPullRequestContext } from '../github/event.js';
import { readBaselineImage } from '../image/baseline.js';
import { readImageSizes } from '../image/inspect.js';
import { addLayerDetails, LayerReader } from '../image/layers.js';
import type { RegistryClient } from '../image/registry.js';
import { Outputs } from '../inputs.js';
import { formatImageName, repositoryRef, type ImageName } from '../reference.js';
import type { Reporter } from '../reporter.js';
import { compareAttributions, sameBasis, type Attribution } from './attribution.js';
import { commentMarker, renderSizeComment, renderSizeReport, type SizeReport } from './comment.js';
import { evaluateGate, gateFailure } from './gate.js';
import { compareWithBaseline, largestCompressed, largestDelta, largestUncompressed, sizesOutput, type Baseline, type PlatformSize } from './size.js';
import { parseStoredReport, SIZE_REPORT_ANNOTATION, type StoredReport } from './stored.js';

/** Baseline sizes and the per-module breakdown stored in the baseline image. */
export interface BaselineRead {
  baseline: Baseline;
  stored?: StoredReport;
}

/**
 * Reads the baseline before the push (pushing may move the very tag it names). A missing tag is a
 * state, not an error; a registry failure is a warning and the report goes on without deltas.
 */
export async function readBaselineReport(client: RegistryClient, reader: LayerReader, name: ImageName, binaryPaths: string[], reporter: Reporter): Promise<BaselineRead> {
  try {
    const { baseline, annotations } = await readBaselineImage(name, client, reader, { binaryPaths });
    const stored = parseStoredReport(annotations[SIZE_REPORT_ANNOTATION]);
    return { baseline, ...(stored ? { stored } : {}) };
  } catch (error) {
    reporter.warning(`The baseline ${formatImageName(name)} could not be read (${errorMessage(error)}); sizes are reported without deltas.`);
    return { baseline: { state: 'none' } };
  }
}

export interface PublishInput {
  config: Config;
  client: RegistryClient;
  reader: LayerReader;
  /** The pushed image's digest. */
  digest: string;
  imageRef: string;
  binaries: readonly { platform: string; size: number }[];
  binaryPaths: string[];
  baseline: BaselineRead;
  attribution?: { platform: string; current: Attribution };
  /** The run's own lines (tags, timings) put above the size report in the job summary. */
  summaryHeader: string;
  commit: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Sizes the pushed image, compares it with the baseline, and writes the outputs, the job summary
 * and the sticky PR comment. Returns the size gate's failure message, if any: the caller fails the
 * step only after all of this is written.
 */
export async function publishSizeReport(input: PublishInput, reporter: Reporter): Promise<string | undefined> {
  const { config } = input;
  let sizes: PlatformSize[] = [];
  try {
    sizes = await readImageSizes(config.image, input.digest, input.client);
    sizes = await addLayerDetails(input.reader, config.image, sizes, { binaryPaths: input.binaryPaths });
  } catch (error) {
    reporter.warning(`The image size could not be read (${errorMessage(error)}); the size outputs stay empty.`);
  }
  const deltas = sizes.length > 0 ? compareWithBaseline(sizes, input.baseline.baseline) : [];
  const changes =
    // A baseline attributed another way (an older version's unstripped symbols) would show every module as changed.
    input.attribution && input.baseline.stored && input.baseline.stored.platform === input.attribution.platform && sameBasis(input.baseline.stored.attribution, input.attribution.current)
      ? compareAttributions(input.baseline.stored.attribution, input.attribution.current)
      : undefined;
  const gate = sizes.length > 0 ? evaluateGate(sizes, deltas, { ...(config.sizeBudget !== undefined ? { budget: config.sizeBudget } : {}), ...(config.maxIncrease ? { maxIncrease: config.maxIncrease } : {}) }) : [];
  const report: SizeReport = {
    image: repositoryRef(config.image),
    imageRef: input.imageRef,
    sizes,
    deltas,
    baseline: input.baseline.baseline,
    ...(input.attribution ? { attribution: { ...input.attribution, ...(changes ? { changes } : {}) } } : {}),
    ...(gate.length > 0 ? { gate } : {}),
    commit: input.commit,
  };
  const markdown = renderSizeReport(report);

  if (sizes.length > 0) {
    reporter.setOutput(Outputs.size, largestCompressed(sizes));
    const uncompressed = largestUncompressed(sizes);
    if (uncompressed !== undefined) reporter.setOutput(Outputs.sizeUncompressed, uncompressed);
    reporter.setOutput(Outputs.sizes, JSON.stringify(sizesOutput(sizes, deltas, input.binaries)));
    const delta = largestDelta(deltas);
    if (delta !== undefined) reporter.setOutput(Outputs.sizeDelta, delta);
    reporter.setOutput(Outputs.sizeReport, markdown);
  }
  await reporter.addSummary(`${input.summaryHeader}\n${sizes.length > 0 ? markdown : ''}`);
  if (sizes.length > 0) await postComment(config, report, input.env, reporter);
  return gateFailure(gate);
}

async function postComment(config: Config, report: SizeReport, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<void> {
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
    const result = await upsertComment({
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

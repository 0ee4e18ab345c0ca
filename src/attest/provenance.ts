/**
 * The provenance of a whole image (pure): an in-toto Statement v1 with a SLSA provenance v1
 * predicate. It holds what shaped the image and where it was built, and never a value a user
 * handed in as secret: build-arg and secret *names* only, no token, no credential.
 */

export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** What the external parameters below mean; versioned with this document's shape. */
export const BUILD_TYPE = 'https://github.com/go-slim-image/go-slim-image/buildtypes/image/v1';

/** The GitHub Actions run, from the runner's environment; absent outside a workflow (the CLI). */
export interface WorkflowRun {
  serverUrl: string;
  repository: string;
  /** GITHUB_WORKFLOW_REF: owner/repo/.github/workflows/file.yml@ref. */
  workflowRef: string;
  ref: string;
  sha: string;
  eventName: string;
  runId: string;
  runAttempt: string;
  repositoryId?: string;
  repositoryOwnerId?: string;
  /** RUNNER_ENVIRONMENT: github-hosted or self-hosted. */
  runnerEnvironment?: string;
}

/** The workflow run as the runner describes it; undefined when not inside GitHub Actions. */
export function workflowRunFromEnv(env: NodeJS.ProcessEnv): WorkflowRun | undefined {
  if (env.GITHUB_ACTIONS !== 'true' || !env.GITHUB_REPOSITORY) return undefined;
  const optional = (key: string, value: string | undefined) => (value ? { [key]: value } : {});
  return {
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    repository: env.GITHUB_REPOSITORY,
    workflowRef: env.GITHUB_WORKFLOW_REF ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    ...optional('repositoryId', env.GITHUB_REPOSITORY_ID),
    ...optional('repositoryOwnerId', env.GITHUB_REPOSITORY_OWNER_ID),
    ...optional('runnerEnvironment', env.RUNNER_ENVIRONMENT),
  };
}

export interface ProvenanceFacts {
  /** registry/repository of the image. */
  image: string;
  /** The image (index or single manifest) and each platform manifest, by digest. */
  subjects: { digest: string }[];
  /** The inputs that shaped the image, as given (templates unexpanded; names, never values, of build args and secrets). */
  parameters: {
    platforms: string[];
    tags: string[];
    mode: 'build' | 'merge';
    dockerfileMode?: string;
    mainPackage?: string;
    buildTags?: string[];
    ldflags?: string;
    baseImage?: string;
    buildArgNames?: string[];
    secretIds?: string[];
    engine?: string;
  };
  /** The commit built and, when known, its repository URL. */
  source: { revision: string; repositoryUrl?: string; ref?: string };
  goToolchain?: { version: string; sha256?: string; url?: string };
  baseImage?: { reference: string; digest: string };
  workflow?: WorkflowRun;
  /** This tool's version, for the local builder id and internal parameters. */
  toolVersion: string;
}

interface ResourceDescriptor {
  uri?: string;
  name?: string;
  digest?: Record<string, string>;
}

const hexOf = (digest: string) => digest.replace(/^sha256:/, '');

export function provenanceStatement(facts: ProvenanceFacts) {
  const { workflow } = facts;
  const resolvedDependencies: ResourceDescriptor[] = [];
  if (facts.source.revision) {
    const uri = facts.source.repositoryUrl ? `git+${facts.source.repositoryUrl}${facts.source.ref ? `@${facts.source.ref}` : ''}` : undefined;
    resolvedDependencies.push({ ...(uri ? { uri } : {}), digest: { gitCommit: facts.source.revision } });
  }
  if (facts.goToolchain) {
    const go = facts.goToolchain;
    resolvedDependencies.push({ name: `go${go.version.replace(/^go/, '')}`, uri: go.url ?? `https://go.dev/dl/go${go.version.replace(/^go/, '')}`, ...(go.sha256 ? { digest: { sha256: go.sha256 } } : {}) });
  }
  if (facts.baseImage) resolvedDependencies.push({ uri: `pkg:docker/${facts.baseImage.reference.replace(/@.*$/, '')}`, digest: { sha256: hexOf(facts.baseImage.digest) } });

  const externalParameters: Record<string, unknown> = { ...facts.parameters };
  if (workflow) {
    const [workflowPath] = workflow.workflowRef.replace(`${workflow.repository}/`, '').split('@');
    externalParameters.workflow = { ref: workflow.ref, repository: `${workflow.serverUrl}/${workflow.repository}`, path: workflowPath ?? '' };
  }
  const internalParameters: Record<string, unknown> = { tool: `go-slim-image ${facts.toolVersion}` };
  if (workflow) {
    internalParameters.github = {
      event_name: workflow.eventName,
      ...(workflow.repositoryId ? { repository_id: workflow.repositoryId } : {}),
      ...(workflow.repositoryOwnerId ? { repository_owner_id: workflow.repositoryOwnerId } : {}),
      ...(workflow.runnerEnvironment ? { runner_environment: workflow.runnerEnvironment } : {}),
    };
  }

  const builderId = workflow
    ? workflow.workflowRef
      ? `${workflow.serverUrl}/${workflow.workflowRef}`
      : `${workflow.serverUrl}/${workflow.repository}/.github/workflows`
    : `urn:go-slim-image:cli:${facts.toolVersion}`;
  const runDetails: Record<string, unknown> = { builder: { id: builderId } };
  if (workflow?.runId) runDetails.metadata = { invocationId: `${workflow.serverUrl}/${workflow.repository}/actions/runs/${workflow.runId}/attempts/${workflow.runAttempt}` };

  return {
    _type: STATEMENT_TYPE,
    subject: facts.subjects.map((s) => ({ name: facts.image, digest: { sha256: hexOf(s.digest) } })),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: { buildType: BUILD_TYPE, externalParameters, internalParameters, resolvedDependencies },
      runDetails,
    },
  };
}

export type ProvenanceStatement = ReturnType<typeof provenanceStatement>;

export function serializeStatement(statement: ProvenanceStatement): Buffer {
  return Buffer.from(`${JSON.stringify(statement, null, 2)}\n`);
}

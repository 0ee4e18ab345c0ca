import { promises as fs } from 'node:fs';
import type { CommentTarget } from './comments.js';

/** The pull request a run is for, from the event payload. */
export interface PullRequestContext extends CommentTarget {
  /** Head and base live in different repositories: the workflow token is read-only. */
  fork: boolean;
  baseRef: string;
  headSha: string;
}

interface RepositoryPayload {
  full_name?: string;
  name?: string;
  owner?: { login?: string };
}

interface EventPayload {
  number?: number;
  pull_request?: {
    number?: number;
    head?: { sha?: string; repo?: (RepositoryPayload & { fork?: boolean }) | null };
    base?: { ref?: string; repo?: RepositoryPayload };
  };
  repository?: RepositoryPayload;
}

/** Events whose payload carries a `pull_request`. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']);

/** The pull request of a run, or why a pull-request run has none. */
export interface PullRequestLookup {
  pullRequest?: PullRequestContext;
  /** Set only on a pull-request event whose pull request could not be read: the warning to show. */
  problem?: string;
}

/** `owner/name` split in two; undefined unless both halves are there. */
function splitRepository(fullName: string | undefined): { owner: string; repo: string } | undefined {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(fullName ?? '');
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}

/**
 * The pull request of a `pull_request`-like event (pure). The base repository is the payload's
 * (`pull_request.base.repo`, else `repository`), else `repository` (GITHUB_REPOSITORY, the
 * runner's `owner/name`, as @actions/github's context falls back to). A fork is a head repository
 * other than the base one; a deleted fork (`head.repo: null`) counts as a fork.
 */
export function findPullRequest(eventName: string | undefined, payload: EventPayload, repository?: string): PullRequestLookup {
  if (!eventName || !PULL_REQUEST_EVENTS.has(eventName)) return {};
  const pr = payload.pull_request;
  const missing = (what: string): PullRequestLookup => ({
    problem: `This is a ${eventName} run, but ${what}, so the pull request is unknown: no pr-<N> tag, no size comment, and the image is named after GITHUB_SHA.`,
  });
  if (!pr) return missing('the event payload (GITHUB_EVENT_PATH) has no pull_request');
  const base = pr.base?.repo ?? payload.repository;
  const named = base?.owner?.login && base.name ? { owner: base.owner.login, repo: base.name } : undefined;
  const baseRepository = named ?? splitRepository(base?.full_name) ?? splitRepository(repository);
  const number = pr.number ?? payload.number;
  if (!number) return missing('the event payload has no pull_request.number');
  if (!baseRepository) return missing(`neither the event payload (pull_request.base.repo) nor GITHUB_REPOSITORY (${JSON.stringify(repository ?? '')}) names the repository`);
  const { owner, repo } = baseRepository;
  const head = pr.head?.repo;
  return {
    pullRequest: {
      owner,
      repo,
      issueNumber: number,
      fork: !head || (head.full_name !== undefined && head.full_name !== (base?.full_name ?? `${owner}/${repo}`)),
      baseRef: pr.base?.ref ?? '',
      headSha: pr.head?.sha ?? '',
    },
  };
}

/** The pull request of a `pull_request`-like event, or undefined (see findPullRequest). */
export function pullRequestFromEvent(eventName: string | undefined, payload: EventPayload, repository?: string): PullRequestContext | undefined {
  return findPullRequest(eventName, payload, repository).pullRequest;
}

/** Reads GITHUB_EVENT_PATH; undefined outside a pull request (or outside Actions). */
export async function readPullRequestContext(env: NodeJS.ProcessEnv = process.env): Promise<PullRequestContext | undefined> {
  if (!env.GITHUB_EVENT_PATH) return undefined;
  let payload: EventPayload;
  try {
    payload = JSON.parse(await fs.readFile(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload;
  } catch {
    return undefined;
  }
  return pullRequestFromEvent(env.GITHUB_EVENT_NAME, payload, env.GITHUB_REPOSITORY);
}

export type CommentMode = 'auto' | 'always' | 'never';

/**
 * Whether to write the PR comment. `auto` comments on pull requests and stays quiet elsewhere;
 * `always` warns when there is no pull request to comment on; `never` does not comment.
 * Single-platform legs of a matrix leave the comment to the merge step (`partOfMatrix`).
 */
export function commentDecision(mode: CommentMode, pr: PullRequestContext | undefined, partOfMatrix = false): { post: true; target: PullRequestContext } | { post: false; warning?: string } {
  if (mode === 'never' || partOfMatrix) return { post: false };
  if (!pr) return mode === 'always' ? { post: false, warning: 'comment: always, but this run is not for a pull request, so there is nothing to comment on.' } : { post: false };
  return { post: true, target: pr };
}

/** What a workflow run is building, from the runner's GITHUB_* variables and the event payload. */
export interface RunContext {
  /** GITHUB_EVENT_NAME, e.g. `push`, `pull_request`, `workflow_dispatch`. */
  eventName: string;
  /** GITHUB_REF: `refs/heads/<branch>`, `refs/tags/<tag>` or `refs/pull/<n>/merge`. */
  ref: string;
  /**
   * The commit the image is named after: the pull request's head commit on pull requests (a commit
   * that exists in the repository, not GitHub's throw-away merge commit), GITHUB_SHA otherwise.
   */
  sha: string;
  /** GITHUB_RUN_ID: the same for every job and every re-run attempt of one workflow run. */
  runId: string;
  /** Payload `repository.default_branch`; empty when the payload does not say. */
  defaultBranch: string;
  /**
   * On tag pushes, whether the tagged commit is on the default branch: true when the payload's
   * `base_ref` is the default branch, false when it is another branch, undefined when GitHub did
   * not say (it leaves `base_ref` null unless the tag points at a branch head).
   */
  tagOnDefaultBranch?: boolean;
  /** The pull request, on pull_request-like events. */
  pullRequest?: PullRequestContext;
  /** Why a pull-request run has no `pullRequest` (see findPullRequest); the caller warns. */
  pullRequestProblem?: string;
  /** GITHUB_ACTOR, e.g. `dependabot[bot]`. */
  actor: string;
}

interface RunPayload extends EventPayload {
  base_ref?: string | null;
  repository?: RepositoryPayload & { default_branch?: string };
}

/** The run context from the environment and the parsed event payload (pure). */
export function runContextFromEvent(env: NodeJS.ProcessEnv, payload: RunPayload): RunContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const { pullRequest, problem } = findPullRequest(eventName, payload, env.GITHUB_REPOSITORY);
  const defaultBranch = payload.repository?.default_branch ?? '';
  const ref = env.GITHUB_REF ?? '';
  let tagOnDefaultBranch: boolean | undefined;
  if (ref.startsWith('refs/tags/') && typeof payload.base_ref === 'string' && defaultBranch) {
    tagOnDefaultBranch = payload.base_ref === `refs/heads/${defaultBranch}`;
  }
  return {
    eventName,
    ref,
    sha: (pullRequest?.headSha || env.GITHUB_SHA) ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    defaultBranch,
    ...(tagOnDefaultBranch !== undefined ? { tagOnDefaultBranch } : {}),
    ...(pullRequest ? { pullRequest } : {}),
    ...(problem ? { pullRequestProblem: problem } : {}),
    actor: env.GITHUB_ACTOR ?? '',
  };
}

/**
 * Reads GITHUB_EVENT_PATH (an unreadable or missing payload counts as empty) and the GITHUB_*
 * variables; `warn` hears why a pull-request run has no pull request.
 */
export async function readRunContext(env: NodeJS.ProcessEnv = process.env, warn?: (message: string) => void): Promise<RunContext> {
  let payload: RunPayload = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(await fs.readFile(env.GITHUB_EVENT_PATH, 'utf8')) as RunPayload;
    } catch {
      payload = {};
    }
  }
  const context = runContextFromEvent(env, payload);
  if (context.pullRequestProblem) warn?.(context.pullRequestProblem);
  return context;
}

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

/**
 * The pull request of a `pull_request`-like event (pure). A fork is a head repository other than
 * the base one; a deleted fork (`head.repo: null`) counts as a fork.
 */
export function pullRequestFromEvent(eventName: string | undefined, payload: EventPayload): PullRequestContext | undefined {
  const pr = payload.pull_request;
  if (!eventName || !PULL_REQUEST_EVENTS.has(eventName) || !pr) return undefined;
  const base = pr.base?.repo ?? payload.repository;
  const owner = base?.owner?.login;
  const repo = base?.name;
  const number = pr.number ?? payload.number;
  if (!owner || !repo || !number) return undefined;
  const head = pr.head?.repo;
  return {
    owner,
    repo,
    issueNumber: number,
    fork: !head || (head.full_name !== undefined && head.full_name !== (base?.full_name ?? `${owner}/${repo}`)),
    baseRef: pr.base?.ref ?? '',
    headSha: pr.head?.sha ?? '',
  };
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
  return pullRequestFromEvent(env.GITHUB_EVENT_NAME, payload);
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
  const pullRequest = pullRequestFromEvent(eventName, payload);
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
    actor: env.GITHUB_ACTOR ?? '',
  };
}

/** Reads GITHUB_EVENT_PATH (an unreadable or missing payload counts as empty) and the GITHUB_* variables. */
export async function readRunContext(env: NodeJS.ProcessEnv = process.env): Promise<RunContext> {
  let payload: RunPayload = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(await fs.readFile(env.GITHUB_EVENT_PATH, 'utf8')) as RunPayload;
    } catch {
      payload = {};
    }
  }
  return runContextFromEvent(env, payload);
}

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

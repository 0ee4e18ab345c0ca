import { ActionError, errorMessage } from '../errors.js';
import { idleTimeoutFetch, idleTimeoutFromEnv } from '../timed-fetch.js';
import { RetriesExhaustedError, withRetry as retry } from '../retry.js';

/** The issue or pull request a comment goes on. */
export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface RetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** No single wait is longer than this (a rate limit resetting in an hour is not waited for). */
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 };

export interface UpsertOptions {
  token: string;
  /** REST API root; GITHUB_API_URL on the runner (GitHub Enterprise Server: https://host/api/v3). */
  apiUrl: string;
  target: CommentTarget;
  /** The hidden marker that identifies the comment (see report/comment.ts). */
  marker: string;
  /** The whole comment body; must contain the marker. */
  body: string;
  perPage?: number;
  retry?: RetryPolicy;
}

/**
 * What happened. `forbidden` and `not-found` (a fork's read-only token, a token without
 * `pull-requests: write`, a deleted PR) are results, not errors: the caller warns and goes on.
 */
export type UpsertResult =
  | { outcome: 'created' | 'updated' | 'unchanged'; id: number; url: string }
  | { outcome: 'forbidden' | 'not-found'; status: number; message: string };

interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined> };
}

function httpError(error: unknown): HttpErrorLike | undefined {
  if (typeof error === 'object' && error !== null && typeof (error as HttpErrorLike).status === 'number') return error as HttpErrorLike;
  return undefined;
}

/**
 * How long to wait before retrying, or undefined when the error is not worth a retry: 5xx,
 * 429 and 403 rate limits (primary: `x-ratelimit-remaining: 0`; secondary: `retry-after`) are;
 * any other 4xx is final. Network failures (no status) are retried with backoff.
 */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy, now = Date.now()): number | undefined {
  const http = httpError(error);
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  if (!http) return backoff;
  const headers = http.response?.headers ?? {};
  const retryAfter = headers['retry-after'] !== undefined ? Number(headers['retry-after']) : undefined;
  const rateLimited = http.status === 429 || (http.status === 403 && (retryAfter !== undefined || String(headers['x-ratelimit-remaining']) === '0'));
  if (http.status < 500 && !rateLimited) return undefined;
  if (retryAfter !== undefined && Number.isFinite(retryAfter)) return Math.min(policy.maxDelayMs, Math.max(0, retryAfter * 1000));
  const reset = Number(headers['x-ratelimit-reset']);
  if (rateLimited && Number.isFinite(reset) && reset > 0) return Math.min(policy.maxDelayMs, Math.max(0, reset * 1000 - now));
  return backoff;
}

/** Runs one API call, retrying per `retryDelay`; throws the last error (as Octokit threw it) when out of attempts. */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  try {
    return await retry(() => call(), {
      policy: { attempts: policy.attempts, initialDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs },
      isRetryable: (error) => retryDelay(error, 1, policy) !== undefined,
      delayFor: (error, attempt) => retryDelay(error, attempt, policy) ?? 0,
      ...(policy.sleep ? { sleep: policy.sleep } : {}),
    });
  } catch (error) {
    throw error instanceof RetriesExhaustedError ? error.lastError : error;
  }
}

/** Whether a `Link` header has a `rel="next"` page. */
export function hasNextPage(link: string | undefined): boolean {
  return !!link && /<[^>]+>;\s*rel="([^"]*\s)?next(\s[^"]*)?"/.test(link);
}

/** A comment as the REST API lists it: the fields this module reads. */
export interface ListedComment {
  id: number;
  body?: string;
  html_url: string;
  created_at?: string;
}

/** What to do with the comments that carry the marker: keep the oldest, bring it up to date, delete the rest. */
export type StickyPlan = { action: 'create' } | { action: 'keep'; keep: ListedComment; update: boolean; remove: number[] };

/** Oldest first: by creation time, then by id (GitHub's ids only grow). */
function oldestFirst(a: ListedComment, b: ListedComment): number {
  const byTime = (a.created_at ?? '').localeCompare(b.created_at ?? '');
  return byTime !== 0 ? byTime : a.id - b.id;
}

/**
 * The sticky-comment decision (pure). Every run that sees the same comments picks the same one to
 * keep, so two runs that both created a comment converge on one.
 */
export function planStickyComment(marked: readonly ListedComment[], body: string): StickyPlan {
  const [keep, ...others] = [...marked].sort(oldestFirst);
  if (!keep) return { action: 'create' };
  return { action: 'keep', keep, update: keep.body !== body, remove: others.map((comment) => comment.id) };
}

/**
 * Creates the comment that carries `marker` on the issue, or updates it in place when one exists
 * (found by paging through every comment). One comment per marker, however often it runs: a run
 * that creates looks again afterwards, because another run may have listed the comments at the same
 * moment and created its own; if several carry the marker, the oldest is kept and updated and the
 * others are deleted.
 */
export async function upsertComment(options: UpsertOptions): Promise<UpsertResult> {
  if (!options.body.includes(options.marker)) throw new ActionError('The comment body does not contain its marker, so it could never be found again to update.');
  // Loaded only for a comment: most runs never post one, and Octokit is a large part of the bundle.
  const { getOctokit } = await import('@actions/github');
  // Every API call gets the registry client's idle timeout: a GitHub API that stops answering never hangs the run.
  const octokit = getOctokit(options.token, { baseUrl: options.apiUrl.replace(/\/+$/, ''), request: { fetch: idleTimeoutFetch(idleTimeoutFromEnv(process.env)) } });
  const policy = options.retry ?? DEFAULT_RETRY;
  const { owner, repo, issueNumber } = options.target;
  const perPage = options.perPage ?? 100;
  const where = `${owner}/${repo}#${issueNumber}`;

  const listMarked = async (): Promise<ListedComment[]> => {
    const marked: ListedComment[] = [];
    for (let page = 1; ; page++) {
      const response = await withRetry(() => octokit.rest.issues.listComments({ owner, repo, issue_number: issueNumber, per_page: perPage, page }), policy);
      marked.push(...response.data.filter((comment) => comment.body?.includes(options.marker)));
      if (!hasNextPage(response.headers.link)) return marked;
    }
  };
  /** Applies a `keep` plan; a duplicate already deleted (by the other run) is fine. */
  const converge = async (plan: Extract<StickyPlan, { action: 'keep' }>): Promise<{ id: number; url: string; updated: boolean }> => {
    let { id, html_url: url } = plan.keep;
    if (plan.update) {
      const updated = await withRetry(() => octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body: options.body }), policy);
      ({ id, html_url: url } = updated.data);
    }
    for (const duplicate of plan.remove) {
      await withRetry(() => octokit.rest.issues.deleteComment({ owner, repo, comment_id: duplicate }), policy).catch((error: unknown) => {
        if (httpError(error)?.status !== 404) throw error;
      });
    }
    return { id, url, updated: plan.update };
  };

  try {
    const plan = planStickyComment(await listMarked(), options.body);
    if (plan.action === 'keep') {
      const kept = await converge(plan);
      return { outcome: kept.updated || plan.remove.length > 0 ? 'updated' : 'unchanged', id: kept.id, url: kept.url };
    }
    const created = (await withRetry(() => octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: options.body }), policy)).data;
    const again = await listMarked();
    const after = planStickyComment(again.some((comment) => comment.id === created.id) ? again : [...again, created], options.body);
    if (after.action === 'create') return { outcome: 'created', id: created.id, url: created.html_url };
    const kept = await converge(after);
    return { outcome: kept.id === created.id ? 'created' : 'updated', id: kept.id, url: kept.url };
  } catch (error) {
    const http = httpError(error);
    if (http?.status === 403 || http?.status === 404) {
      return { outcome: http.status === 403 ? 'forbidden' : 'not-found', status: http.status, message: `GitHub answered HTTP ${http.status} on the comment for ${where}: ${http.message}` };
    }
    throw new ActionError(`Could not write the size comment on ${where} through ${options.apiUrl}: ${errorMessage(error)}`, { cause: error });
  }
}

/** The warning a caller shows for a `forbidden`/`not-found` result. */
export function commentWarning(result: Extract<UpsertResult, { outcome: 'forbidden' | 'not-found' }>, fork: boolean): string {
  const why = fork
    ? 'pull requests from forks get a read-only token'
    : result.outcome === 'forbidden'
      ? "the token cannot write comments (give the job `permissions: pull-requests: write`, or pass a token that can)"
      : 'the pull request or repository was not found with this token';
  return `The size comment was not posted: ${why}. The report is in the job summary. (${result.message})`;
}

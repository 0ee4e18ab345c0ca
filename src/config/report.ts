import { InputError } from '../errors.js';
import type { CommentMode } from '../github/event.js';
import { Inputs } from '../inputs.js';
import type { ImageName } from '../reference.js';
import { parseIncrease, parseSize, type IncreaseLimit } from '../report/gate.js';
import { MAX_HISTORY } from '../report/history.js';
import { referenceInput } from './references.js';
import { parseEnum, type ParseContext } from './text.js';

/** The size report: what it compares with, where it goes, and the gate. */
export interface ReportSettings {
  /** Image to compare sizes with; undefined means the tag the default branch pushes. */
  baseline?: ImageName;
  comment: CommentMode;
  /** Token for the PR comment (the workflow token by default); masked in logs. */
  githubToken: string;
  /** Absolute per-platform limit of the compressed size, bytes. */
  sizeBudget?: number;
  /** Limit of the growth against the baseline. */
  maxIncrease?: IncreaseLimit;
  /** Default-branch builds the size history keeps and the chart shows; 0: none. */
  history: number;
}

export function parseReportSettings({ get, notices }: ParseContext): ReportSettings {
  const baselineValue = get('baseline');
  const baseline = baselineValue
    ? referenceInput(Inputs.baseline.name, baselineValue, { accepted: 'an image reference to compare sizes with, such as ghcr.io/owner/app:main', notices })
    : undefined;
  const sizeBudget = get('sizeBudget');
  const maxIncrease = get('maxIncrease');
  return {
    ...(baseline ? { baseline } : {}),
    comment: parseEnum<CommentMode>(Inputs.comment.name, get('comment'), ['auto', 'always', 'never']),
    githubToken: get('githubToken'),
    ...(sizeBudget ? { sizeBudget: parseSize(sizeBudget, Inputs.sizeBudget.name) } : {}),
    ...(maxIncrease ? { maxIncrease: parseIncrease(maxIncrease, Inputs.maxIncrease.name) } : {}),
    history: parseHistoryLength(get('history')),
  };
}

/** A whole number of builds, 0 to MAX_HISTORY (a bound that keeps the stored report a few KB). */
export function parseHistoryLength(value: string): number {
  if (/^\d{1,3}$/.test(value) && Number(value) <= MAX_HISTORY) return Number(value);
  throw new InputError(Inputs.history.name, value, `a whole number of builds from 0 to ${MAX_HISTORY} (0 keeps no size history)`);
}

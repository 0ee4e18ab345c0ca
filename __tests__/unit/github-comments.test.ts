import { describe, expect, it } from '@jest/globals';
import { planStickyComment, type ListedComment } from '../../src/github/comments.js';

const comment = (id: number, createdAt: string, body = 'old'): ListedComment => ({ id, body, html_url: `https://github.example/c/${id}`, created_at: createdAt });

describe('planStickyComment', () => {
  it.each<[string, ListedComment[], string, ReturnType<typeof planStickyComment>]>([
    ['no comment yet: create one', [], 'new', { action: 'create' }],
    ['one comment, other body: update it', [comment(5, '2026-01-01T00:00:01Z')], 'new', { action: 'keep', keep: comment(5, '2026-01-01T00:00:01Z'), update: true, remove: [] }],
    ['one comment, same body: leave it', [comment(5, '2026-01-01T00:00:01Z', 'new')], 'new', { action: 'keep', keep: comment(5, '2026-01-01T00:00:01Z', 'new'), update: false, remove: [] }],
    [
      'two runs created one each: keep the oldest, delete the other',
      [comment(7, '2026-01-01T00:00:02Z', 'new'), comment(6, '2026-01-01T00:00:01Z')],
      'new',
      { action: 'keep', keep: comment(6, '2026-01-01T00:00:01Z'), update: true, remove: [7] },
    ],
    [
      'created in the same second: the lower id is the older',
      [comment(9, '2026-01-01T00:00:01Z'), comment(8, '2026-01-01T00:00:01Z'), comment(10, '2026-01-01T00:00:01Z')],
      'old',
      { action: 'keep', keep: comment(8, '2026-01-01T00:00:01Z'), update: false, remove: [9, 10] },
    ],
  ])('%s', (_name, marked, body, plan) => {
    expect(planStickyComment(marked, body)).toEqual(plan);
  });

  it('every run that sees the same comments, in any order, keeps the same one', () => {
    const marked = [comment(3, '2026-01-01T00:00:03Z'), comment(1, '2026-01-01T00:00:05Z'), comment(2, '2026-01-01T00:00:01Z')];
    const kept = [marked, [...marked].reverse(), [marked[1]!, marked[2]!, marked[0]!]].map((order) => planStickyComment(order, 'x'));
    for (const plan of kept) expect(plan).toMatchObject({ action: 'keep', keep: { id: 2 }, remove: [3, 1] });
  });
});

import { describe, expect, it } from '@jest/globals';
import { contentTime } from '../../src/image/context.js';
import { IMAGE_EPOCH } from '../../src/image/dockerfile.js';

describe('contentTime (a build-context file time that follows its content)', () => {
  it('is the same for the same bytes, and always after IMAGE_EPOCH, so the exporter lowers it to IMAGE_EPOCH', () => {
    const binary = Buffer.alloc(5_570_686, 1);
    expect(contentTime(binary)).toBe(contentTime(Buffer.from(binary)));
    for (const bytes of [Buffer.alloc(0), Buffer.from('a'), binary]) expect(contentTime(bytes)).toBeGreaterThan(IMAGE_EPOCH);
  });

  // BuildKit re-sends a context file only when its size or time changed: two binaries of one size
  // (a new dependency's build info fits in the same page) must not share a time.
  it('differs for two files of the same size with different bytes', () => {
    const a = Buffer.alloc(4096, 1);
    const b = Buffer.from(a);
    b[100] = 2;
    expect(contentTime(a)).not.toBe(contentTime(b));
  });
});

import { describe, expect, it } from 'vitest';
import { validSub } from '../../src/domain/sub.js';

describe('validSub (SPEC §10 sub-IDs)', () => {
  it.each([
    { value: 'post-42', kept: 'post-42' },
    { value: 'A.b_c-9', kept: 'A.b_c-9' },
    { value: 'x'.repeat(64), kept: 'x'.repeat(64), why: 'exactly 64' },
    { value: 'x'.repeat(65), kept: undefined, why: 'one past 64' },
    { value: '', kept: undefined, why: 'empty' },
    { value: 'post 42', kept: undefined, why: 'space' },
    { value: 'post/42', kept: undefined, why: 'slash' },
    { value: 'caf\u00e9', kept: undefined, why: 'non-ASCII letter' },
    { value: 'a\nb', kept: undefined, why: 'control character' },
    { value: 'a%20b', kept: undefined, why: 'percent' },
    { value: 42, kept: undefined, why: 'a number' },
    { value: ['a'], kept: undefined, why: 'an array (?sub=a&sub=b)' },
    { value: undefined, kept: undefined, why: 'absent' },
  ])('$value → $kept', ({ value, kept }) => {
    expect(validSub(value)).toBe(kept);
  });
});

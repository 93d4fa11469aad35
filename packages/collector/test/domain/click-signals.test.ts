import { describe, expect, it } from 'vitest';
import { clickSignals, MAX_DWELL_MS, subOf } from '../../src/domain/click-signals.js';

const NONE = { sub: null, trusted: null, visible: null, framed: null, dwell: null };

describe('clickSignals', () => {
  it.each([
    ['nothing sent', {}, NONE],
    ['every field', { sub: 'post-42', trusted: true, visible: false, framed: true, dwell: 1234 }, { sub: 'post-42', trusted: true, visible: false, framed: true, dwell: 1234 }],
    ['a sub of 64', { sub: 'a'.repeat(64) }, { ...NONE, sub: 'a'.repeat(64) }],
    ['a sub of 65', { sub: 'a'.repeat(65) }, NONE],
    ['a sub with a space', { sub: 'post 42' }, NONE],
    ['a sub with a newline after it', { sub: 'post-42\n' }, NONE],
    ['a non-ASCII sub', { sub: 'café' }, NONE],
    ['an empty sub', { sub: '' }, NONE],
    ['a number as sub', { sub: 42 }, NONE],
    ['an array as sub', { sub: ['post-42'] }, NONE],
    ['signals as strings', { trusted: 'true', visible: 'false', framed: '1' }, NONE],
    ['signals as numbers', { trusted: 1, visible: 0, framed: 1 }, NONE],
    ['a dwell of 0', { dwell: 0 }, { ...NONE, dwell: 0 }],
    ['a negative dwell', { dwell: -1 }, NONE],
    ['a fractional dwell', { dwell: 12.5 }, NONE],
    ['a dwell as a string', { dwell: '500' }, NONE],
    ['an unsafe dwell', { dwell: 2 ** 60 }, NONE],
    ['a dwell of a day', { dwell: MAX_DWELL_MS }, { ...NONE, dwell: MAX_DWELL_MS }],
    ['a dwell past a day', { dwell: MAX_DWELL_MS + 1 }, { ...NONE, dwell: MAX_DWELL_MS }],
  ])('%s', (_, event, expected) => {
    expect(clickSignals(event)).toEqual(expected);
  });
});

describe('subOf', () => {
  it.each([
    ['video-42', 'video-42'],
    ['A.b_c-9', 'A.b_c-9'],
    ['two words', null],
    [undefined, null],
    [['a', 'b'], null],
  ])('%j → %j', (value, expected) => {
    expect(subOf(value)).toBe(expected);
  });
});

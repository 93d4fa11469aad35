import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/domain/suggest.js';

const KEYS = ['port', 'host', 'db', 'publicUrl', 'clickWindowHours', 'cartWindowDays', 'tagPattern', 'rateLimitPerMinute', 'retentionDays', 'marketplaces'];

describe('editDistance', () => {
  it.each([
    ['', '', 0], ['abc', 'abc', 0], ['abc', 'ab', 1], ['ab', 'abc', 1], ['abc', 'abd', 1], ['abc', 'acb', 1], ['kitten', 'sitting', 3],
  ])('%s → %s is %i', (a, b, distance) => expect(editDistance(a, b)).toBe(distance));
});

describe('closest', () => {
  it.each([
    ['cartWindowDay', 'cartWindowDays'],
    ['clickWindowHour', 'clickWindowHours'],
    ['tagpattern', 'tagPattern'],
    ['publicURL', 'publicUrl'],
    ['retentionDyas', 'retentionDays'],
    ['marketplace', 'marketplaces'],
    ['prot', 'port'],
    ['colour', undefined],
    ['x', undefined],
  ])('%s → %s', (word, expected) => expect(closest(word, KEYS)).toBe(expected));
});

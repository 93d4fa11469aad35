import { describe, expect, it } from 'vitest';
import { classifyLink, type AuditProgram } from '../../src/audit/classify.js';
import { DEFAULT_MARKETPLACES, DEFAULT_TAG_PATTERN } from '../../src/config.js';

const program: AuditProgram = {
  marketplaces: DEFAULT_MARKETPLACES,
  tagPattern: DEFAULT_TAG_PATTERN,
  tags: new Map([['janesblog-20', 'us'], ['janesblog-21', 'uk'], ['bob-20', 'us']]),
  ownTags: new Set(['janesblog-20', 'janesblog-21']),
};

describe('classifyLink', () => {
  it.each([
    ['https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20', null, 'own_tag'],
    ['https://www.amazon.co.uk/dp/B08XYZ1234?tag=janesblog-21', null, 'own_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=bob-20', null, 'foreign_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234', null, 'missing_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=', null, 'missing_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234', 'janesblog-20', 'decorated'],
    ['https://www.amazon.co.uk/dp/B08XYZ1234', 'janesblog-20', 'missing_tag'], // the snippet's -20 tag cannot earn in uk
    ['https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-2', null, 'unregistered_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=stranger-20', null, 'unregistered_tag'],
    ['https://www.amazon.de/dp/B08XYZ1234?tag=janesblog-21', null, 'wrong_marketplace'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-21', null, 'wrong_marketplace'],
    ['https://amzn.to/3xYzAbC', null, 'short_link'],
    ['https://a.co/d/abc', null, 'short_link'],
    ['https://www.amazon.com:99999/dp/B08XYZ1234', null, 'invalid_url'],
  ])('%s (snippet %s) → %s', (href, snippet, status) => {
    expect(classifyLink(href, program, snippet)?.status).toBe(status);
  });

  it.each(['https://example.com/dp/B08XYZ1234', 'mailto:jane@example.com', 'javascript:void(0)', '/relative', 'https://amazon.com.evil.example/dp/X'])('ignores %s (not a merchant link)', (href) => {
    expect(classifyLink(href, program, null)).toBeNull();
  });

  it('names the registered tag a truncated one was cut from', () => {
    expect(classifyLink('https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-2', program, null)?.detail).toContain('did you mean janesblog-20?');
  });

  it('counts every registered tag as own when no --tag is given', () => {
    expect(classifyLink('https://www.amazon.com/dp/B08XYZ1234?tag=bob-20', { ...program, ownTags: new Set() }, null)?.status).toBe('own_tag');
  });
});

import { describe, expect, it } from 'vitest';
import { classifyLink, type AuditProgram } from '../../src/audit/classify.js';
import { DEFAULT_MARKETPLACES, DEFAULT_TAG_PATTERN } from '../../src/config.js';

const program: AuditProgram = {
  marketplaces: DEFAULT_MARKETPLACES,
  tagPattern: DEFAULT_TAG_PATTERN,
  tags: new Map([['janesblog-20', 'us'], ['janesblog-21', 'uk'], ['bob-20', 'us']]),
  ownTags: new Set(['janesblog-20', 'janesblog-21']),
  registry: 'all',
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

describe('classifyLink without the whole registry', () => {
  /** `--tag janesblog-20,janesblog-21` on a laptop: no database, no collector. */
  const tagsOnly: AuditProgram = { ...program, tags: new Map(), registry: 'none' };
  /** The collector's answer to Jane's account key: her tags only. */
  const account: AuditProgram = { ...program, tags: new Map([['janesblog-20', 'us'], ['janesblog-21', 'uk']]), registry: 'account' };

  it.each([
    ['https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20', 'own_tag', 'own_tag'],
    ['https://www.amazon.co.uk/dp/B08XYZ1234?tag=janesblog-21', 'own_tag', 'own_tag'],
    // -21 is also the suffix of de, fr, it, es: without the registry, any storefront with that suffix counts.
    ['https://www.amazon.de/dp/B08XYZ1234?tag=janesblog-21', 'own_tag', 'wrong_marketplace'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-21', 'wrong_marketplace', 'wrong_marketplace'],
    ['https://www.amazon.co.uk/dp/B08XYZ1234?tag=janesblog-20', 'wrong_marketplace', 'wrong_marketplace'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=bob-20', 'foreign_tag', 'foreign_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=stranger-20', 'foreign_tag', 'foreign_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-2', 'unregistered_tag', 'unregistered_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234?tag=Jane Blog', 'unregistered_tag', 'unregistered_tag'],
    ['https://www.amazon.com/dp/B08XYZ1234', 'missing_tag', 'missing_tag'],
    ['https://amzn.to/3xYzAbC', 'short_link', 'short_link'],
    ['https://www.amazon.com:99999/dp/B08XYZ1234', 'invalid_url', 'invalid_url'],
  ])('%s → %s with --tag alone, %s with an account key', (href, withTags, withAccount) => {
    expect(classifyLink(href, tagsOnly, null)?.status).toBe(withTags);
    expect(classifyLink(href, account, null)?.status).toBe(withAccount);
  });

  it('says what it knows: a truncated tag names the own tag it was cut from; a stranger is not yours', () => {
    expect(classifyLink('https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-2', tagsOnly, null)?.detail).toBe('tag janesblog-2 is malformed: no one can have registered it (did you mean janesblog-20?)');
    expect(classifyLink('https://www.amazon.com/dp/B08XYZ1234?tag=stranger-20', account, null)?.detail).toContain("not one of your account's tags");
    expect(classifyLink('https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-21', tagsOnly, null)?.detail).toBe('tag janesblog-21 cannot earn in marketplace us, whose tags end with -20');
  });
});

import { describe, expect, it } from 'vitest';
import { sourcePage } from '../../src/domain/page.js';

describe('sourcePage', () => {
  it.each([
    ['https://blog.example/posts/cameras', 'https://blog.example/posts/cameras'],
    ['https://blog.example/p?email=a@b.c#top', 'https://blog.example/p'],
    ['HTTPS://Blog.Example:443/p', 'https://blog.example/p'],
    ['http://localhost:8788/', 'http://localhost:8788/'],
    ['https://blog.example', 'https://blog.example/'],
    ['https://blog.example/caf%C3%A9/', 'https://blog.example/caf%C3%A9/'],
    ['javascript:alert(1)', null],
    ['/posts/cameras', null],
    ['file:///home/me/page.html', null],
    ['https://', null],
    ['not a url', null],
  ])('%s → %s', (value, page) => {
    expect(sourcePage(value)).toBe(page);
  });
});

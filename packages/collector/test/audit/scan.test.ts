import { describe, expect, it } from 'vitest';
import { scanHtml, scanText } from '../../src/audit/scan.js';

describe('scanHtml', () => {
  it('finds every <a href>, with its line, entities decoded', () => {
    const html = `<p>
<a href="https://www.amazon.com/dp/B08XYZ1234?tag=a-20&amp;th=1">one</a>
<a class=x href='https://amazon.com/dp/B000000001'>two</a> <a href=https://example.com/>three</a>
<svg><a xlink:href="https://www.amazon.com/dp/B000000002"><text>svg</text></a></svg>
<!-- <a href="https://www.amazon.com/dp/COMMENTED"></a> -->
<a name="anchor">no href</a>`;
    expect(scanHtml(html).links).toEqual([
      { href: 'https://www.amazon.com/dp/B08XYZ1234?tag=a-20&th=1', line: 2 },
      { href: 'https://amazon.com/dp/B000000001', line: 3 },
      { href: 'https://example.com/', line: 3 },
      { href: 'https://www.amazon.com/dp/B000000002', line: 4 },
    ]);
  });

  it('resolves relative links against the page URL', () => {
    expect(scanHtml('<a href="/dp/B000000001">x</a>', 'https://www.amazon.com/list').links[0]!.href).toBe('https://www.amazon.com/dp/B000000001');
  });

  it.each([
    ['<script async src="https://t.example/affil.js" data-tag="janesblog-20"></script>', 'janesblog-20'],
    ['<script src="/affil.js"></script><script>Affil.init(\'jane-20\', {})</script>', 'jane-20'],
    ['<script src="/other.js"></script>', null],
  ])('reads the Affil snippet tag from %s', (html, tag) => {
    expect(scanHtml(html).snippetTag).toBe(tag);
  });
});

describe('scanText', () => {
  it('finds absolute URLs in Markdown and plain text, without trailing punctuation', () => {
    const text = 'See [the camera](https://www.amazon.com/dp/B08XYZ1234?tag=a-20).\nAlso https://amzn.to/3abc, and <https://www.amazon.co.uk/dp/B000000001>.';
    expect(scanText(text).links).toEqual([
      { href: 'https://www.amazon.com/dp/B08XYZ1234?tag=a-20', line: 1 },
      { href: 'https://amzn.to/3abc', line: 2 },
      { href: 'https://www.amazon.co.uk/dp/B000000001', line: 2 },
    ]);
  });
});

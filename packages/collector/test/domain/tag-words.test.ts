import { describe, expect, it } from 'vitest';
import { DEFAULT_TAG_PATTERN } from '@affil/merchant/contract';
import { tagPatternHelp } from '../../src/domain/tag-words.js';

describe('tagPatternHelp', () => {
  it.each([
    [DEFAULT_TAG_PATTERN, '-20', /^a tracking ID is 4 to 66 characters .* two digits, e\.g\. janesblog-20$/],
    [DEFAULT_TAG_PATTERN, '-22', /e\.g\. janesblog-22$/],
    ['^[a-z]+-[a-z]{2}$', '-uk', /^this program's tracking IDs must match its tagPattern \^\[a-z\]\+-\[a-z\]\{2\}\$ \(set in the config file\), e\.g\. janesblog-uk$/],
    ['^T[0-9]{6}$', '-20', /must match its tagPattern \^T\[0-9\]\{6\}\$ \(set in the config file\)$/],
  ])('%s with suffix %s', (pattern, suffix, expected) => expect(tagPatternHelp(pattern, suffix)).toMatch(expected));
});

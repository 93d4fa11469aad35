import { DEFAULT_TAG_PATTERN } from '@affil/merchant/contract';

/**
 * Why a tag was refused, in words rather than a regular expression, with an example that fits
 * (one ending in the marketplace's suffix when the pattern allows it). A program's own pattern
 * cannot be put in words mechanically: it is quoted, still with an example when one of the usual
 * shapes fits it.
 */
export function tagPatternHelp(pattern: string, tagSuffix: string): string {
  const example = [`janesblog${tagSuffix}`, 'janesblog-20', `janesblog${tagSuffix.replace(/^-/, '')}`, 'janesblog'].find((t) => new RegExp(pattern).test(t));
  const eg = example ? `, e.g. ${example}` : '';
  if (pattern === DEFAULT_TAG_PATTERN) {
    return `a tracking ID is 4 to 66 characters of lowercase letters, digits and hyphens, starting with a letter or digit and ending with a hyphen and two digits${eg}`;
  }
  return `this program's tracking IDs must match its tagPattern ${pattern} (set in the config file)${eg}`;
}

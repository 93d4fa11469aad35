/**
 * A publisher's sub-ID (SPEC §10): a label of its own on a click (`post-42`, a campaign tracker's
 * click id) that orders inherit and postbacks pass on. At most 64 of `A-Za-z0-9._-`, so it is safe
 * in a URL, a CSV cell and a log line without escaping.
 */
export const SUB_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The sub-ID to keep, or undefined. An invalid one (too long, other characters, not a string,
 * empty) is dropped rather than refused: the click it came with is still a click and is kept.
 */
export function validSub(value: unknown): string | undefined {
  return typeof value === 'string' && SUB_PATTERN.test(value) ? value : undefined;
}

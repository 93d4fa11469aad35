import { describe, expect, it } from 'vitest';
import { pathSegmentProblem, printableProblem } from '@affil/merchant/contract';

describe('identifiers', () => {
  it.each([
    ['112-1234567-1234567', undefined, undefined],
    ['Bestellung #17 ü 🙂', undefined, undefined],
    ['SKU/42', 'must not contain "/"', undefined],
    ['..\\\\etc', 'must not contain "/"', undefined],
    ['..', 'must not be "." or ".."', undefined],
    ['.', 'must not be "." or ".."', undefined],
    ['...', undefined, undefined],
    ['A\u0000B', 'printable', 'printable'],
    ['A\u0085B', 'printable', 'printable'],
    ['A\u202eB', 'printable', 'printable'],
    ['A\u2066B', 'printable', 'printable'],
    ['A\u200bB', 'printable', 'printable'],
    ['A\ufeffB', 'printable', 'printable'],
    ['A\u2028B', 'printable', 'printable'],
    ['A\ud800B', 'printable', 'printable'],
    ['A\ue000B', 'printable', 'printable'],
  ])('%j: as a path segment %s, as printable text %s', (value, segment, printable) => {
    const a = pathSegmentProblem(value);
    const b = printableProblem(value);
    if (segment) expect(a).toContain(segment);
    else expect(a).toBeUndefined();
    if (printable) expect(b).toContain(printable);
    else expect(b).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEGRITY, parseIntegrityConfig, resolveIntegrity } from '../../../src/domain/integrity/config.js';

describe('integrity config: defaults and off switches', () => {
  it('absent: every rule on with SPEC defaults', () => {
    expect(parseIntegrityConfig(undefined)).toEqual({ ok: true, config: { selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 500 }, orderVelocity: 5 } });
    expect(resolveIntegrity(undefined)).toEqual(DEFAULT_INTEGRITY);
  });

  it.each([
    { name: 'empty object', value: {}, expected: DEFAULT_INTEGRITY },
    { name: 'selfReferral off', value: { selfReferral: false }, expected: { ...DEFAULT_INTEGRITY, selfReferral: false } },
    { name: 'burst off', value: { burst: false }, expected: { ...DEFAULT_INTEGRITY, burst: false } },
    { name: 'stuffing off', value: { stuffing: false }, expected: { ...DEFAULT_INTEGRITY, stuffing: false } },
    { name: 'orderVelocity off', value: { orderVelocity: false }, expected: { ...DEFAULT_INTEGRITY, orderVelocity: false } },
    { name: 'all off', value: { selfReferral: false, burst: false, stuffing: false, orderVelocity: false }, expected: { selfReferral: false, burst: false, stuffing: false, orderVelocity: false } },
    { name: 'true means defaults', value: { burst: true, stuffing: true, orderVelocity: true }, expected: DEFAULT_INTEGRITY },
    { name: 'partial burst keeps the other default', value: { burst: { clicks: 3 } }, expected: { ...DEFAULT_INTEGRITY, burst: { clicks: 3, minutes: 10 } } },
    { name: 'partial burst minutes', value: { burst: { minutes: 60 } }, expected: { ...DEFAULT_INTEGRITY, burst: { clicks: 10, minutes: 60 } } },
    { name: 'dwell 0 never flags dwell', value: { stuffing: { minDwellMs: 0 } }, expected: { ...DEFAULT_INTEGRITY, stuffing: { minDwellMs: 0 } } },
    { name: 'empty stuffing object', value: { stuffing: {} }, expected: DEFAULT_INTEGRITY },
    { name: 'velocity 1', value: { orderVelocity: 1 }, expected: { ...DEFAULT_INTEGRITY, orderVelocity: 1 } },
  ])('$name', ({ value, expected }) => {
    expect(parseIntegrityConfig(value)).toEqual({ ok: true, config: expected });
  });
});

describe('integrity config: errors name the key', () => {
  it.each([
    { value: 5, path: 'integrity', message: /object of rules/ },
    { value: false, path: 'integrity', message: /object of rules/ },
    { value: { selfReferral: 'yes' }, path: 'integrity.selfReferral', message: /true or false/ },
    { value: { burst: 'x' }, path: 'integrity.burst', message: /false \(off\), true \(defaults\) or an object/ },
    { value: { burst: { clicks: 0 } }, path: 'integrity.burst.clicks', message: /whole number of clicks from 1/ },
    { value: { burst: { clicks: 1.5 } }, path: 'integrity.burst.clicks', message: /whole number of clicks/ },
    { value: { burst: { minutes: 1441 } }, path: 'integrity.burst.minutes', message: /from 1 to 1440/ },
    { value: { burst: { minutes: '10' } }, path: 'integrity.burst.minutes', message: /whole number of minutes/ },
    { value: { stuffing: { minDwellMs: -1 } }, path: 'integrity.stuffing.minDwellMs', message: /from 0 to 600000/ },
    { value: { orderVelocity: 0 }, path: 'integrity.orderVelocity', message: /whole number of orders from 1/ },
    { value: { orderVelocity: '5' }, path: 'integrity.orderVelocity', message: /false \(off\), true \(default 5\)/ },
    { value: { burts: {} }, path: 'integrity.burts', message: /unknown field \(did you mean "burst"\?\)/ },
    { value: { burst: { minutse: 3 } }, path: 'integrity.burst.minutse', message: /unknown field \(did you mean "minutes"\?\)/ },
    { value: { stuffing: { dwell: 3 } }, path: 'integrity.stuffing.dwell', message: /unknown field \(known keys: minDwellMs\)/ },
    { value: { zzzzzz: 1 }, path: 'integrity.zzzzzz', message: /known keys: selfReferral, burst, stuffing, orderVelocity/ },
  ])('$path ← $value', ({ value, path, message }) => {
    const out = parseIntegrityConfig(value);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]!.path).toBe(path);
    expect(out.errors[0]!.message).toMatch(message);
  });

  it('reports every bad key at once', () => {
    const out = parseIntegrityConfig({ burst: { clicks: 0, minutes: 0 }, orderVelocity: -1 });
    expect(out.ok || out.errors.map((e) => e.path).sort()).toEqual(['integrity.burst.clicks', 'integrity.burst.minutes', 'integrity.orderVelocity']);
  });
});

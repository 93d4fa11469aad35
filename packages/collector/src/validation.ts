import type { z } from 'zod';
import { fieldErrors, formatPath } from '@affil/merchant/contract';
import { Problem, type ProblemCode } from './errors.js';

// Field paths are named the way the order contract names them, one implementation for both.
export { fieldErrors, formatPath };

/** Parses `value` with `schema` or throws a problem whose detail names the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, code: ProblemCode = 'unprocessable'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error);
  const first = errors[0];
  const detail = first ? `${first.path}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}` : 'invalid input';
  throw new Problem(code, detail, { errors });
}

/** JSON.parse that throws a 400 problem instead of a SyntaxError. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Problem('malformed_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
}

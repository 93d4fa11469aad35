import type { z } from 'zod';
import { Problem, type FieldError, type ProblemCode } from './errors.js';

/** `items[0].quantity` style paths, as users write them. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(body)';
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

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

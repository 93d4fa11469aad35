/** One field-level complaint inside a problem: where, and what is wrong there. */
export interface FieldError { path: string; message: string }

/** Every problem the collector answers, by code: status and a stable title. */
const CATALOGUE = {
  malformed_json: { status: 400, title: 'Malformed JSON' },
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_query: { status: 400, title: 'Invalid query parameter' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  invalid_signature: { status: 401, title: 'Invalid webhook signature' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unprocessable: { status: 422, title: 'Unprocessable content' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemCode = keyof typeof CATALOGUE;

/** An error that becomes an RFC 9457 problem+json answer. */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ProblemCode, detail: string, options: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'Problem';
    this.code = code;
    this.status = CATALOGUE[code].status;
    this.title = CATALOGUE[code].title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  toJSON() {
    return {
      type: `urn:affil:problem:${this.code}`,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

/** A configuration or command-line mistake: printed as a message, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The store cannot serve now (disk full, I/O error, the database unreachable or restarting): the
 * same request may work later. Adapters throw it; HTTP answers `503` problem+json with
 * `Retry-After: retryAfter` seconds; `/healthz` reports it.
 */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
  readonly code = 'STORAGE_UNAVAILABLE';
  /** Seconds after which a retry may succeed. */
  readonly retryAfter: number;
  /** The underlying failure's own code (`SQLITE_FULL`, `ECONNREFUSED`, `57P01`…), for logs. */
  readonly reason: string;

  constructor(message: string, options: { retryAfter?: number; reason?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfter = options.retryAfter ?? 30;
    this.reason = options.reason ?? 'unavailable';
  }
}

// The collector's authenticated API, as the dashboard uses it. Every request carries the key in
// the Authorization header (never in a URL, where it would land in logs and history).

/** A failed request: `status` is the HTTP status, 0 when the collector could not be reached. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** `?a=1&b=2` from an object, leaving out empty values. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') q.set(name, String(value));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Why a request failed, in words the reader can act on. The API answers problem+json with a `detail`. */
async function failure(res) {
  if (res.status === 401) return new ApiError(401, 'That key was not accepted: it is unknown or has been revoked.');
  let detail;
  try {
    detail = (await res.json()).detail;
  } catch {
    detail = undefined; // not problem+json (a proxy's error page): the status line below says enough
  }
  return new ApiError(res.status, detail ?? `The collector answered ${res.status} ${res.statusText}`.trim());
}

export function createApi(key) {
  async function request(path, { signal, accept = 'application/json', method = 'GET', body } = {}) {
    let res;
    const headers = { authorization: `Bearer ${key}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError(0, 'The collector cannot be reached. Is it running?');
    }
    if (!res.ok) throw await failure(res);
    return res;
  }
  return {
    /** The parsed JSON answer of a GET. */
    json: async (path, options) => (await request(path, options)).json(),
    /** The text answer of a GET, e.g. a report as CSV. */
    text: async (path, options) => (await request(path, { accept: 'text/csv', ...options })).text(),
    /** The parsed JSON answer of a POST with a JSON body. */
    post: async (path, body, options) => (await request(path, { ...options, method: 'POST', body: body ?? {} })).json(),
    /** The open response of a long-lived GET (the event stream). */
    open: (path, options) => request(path, { ...options, accept: 'text/event-stream' }),
  };
}

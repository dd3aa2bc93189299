import type { Verdict } from '../../client/errors';
import { UsageError } from './args';

/**
 * The staff CLIs' only way in: the decision service (`DECISIONS_URL`), with the login token. The service signs and
 * sends each command and reads for them; the CLIs hold no Temporal or AWS credentials.
 */

/** The service refused the caller (401: log in again; 403: the role is missing). Exit code 1. */
export class DecisionServiceRefusal extends Error {
  override name = 'DecisionServiceRefusal';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface DecisionsClient {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  /** A command: the workflow validator's verdict. */
  command<T>(path: string, body: Record<string, unknown>): Promise<Verdict<T>>;
}

const enc = encodeURIComponent;
/** A path from segments, each URL-encoded (IDs come from the command line). */
export const pathOf = (...segments: string[]) => `/${segments.map(enc).join('/')}`;

/**
 * A client of the service at `baseUrl`. `token` is asked for at the first request, so a command line is checked in
 * full (exit 2 naming the argument) before a missing login stops it.
 */
export function decisionsClient(baseUrl: string, token: () => string, cli: 'ops' | 'finance'): DecisionsClient {
  const request = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const url = new URL(path, baseUrl);
    const headers = {
      authorization: `Bearer ${token()}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new Error(`the decision service at ${baseUrl} cannot be reached (DECISIONS_URL; is npm start running?)`);
    }
    const json = (await res.json().catch(() => ({}))) as {
      error?: string;
      issues?: Array<{ path: string; message: string }>;
    };
    if (res.ok) return json;
    if (res.status === 400) {
      const first = json.issues?.[0];
      throw new UsageError(first?.path || 'request', first?.message ?? json.error ?? 'refused as bad input');
    }
    if (res.status === 401)
      throw new DecisionServiceRefusal(401, `${json.error ?? 'not authenticated'} (npm run ${cli} -- login)`);
    if (res.status === 403) throw new DecisionServiceRefusal(403, `refused: ${json.error ?? 'forbidden'}`);
    throw new Error(`decision service: ${json.error ?? `HTTP ${res.status}`}`);
  };
  return {
    get: async (path, query = {}) => {
      const q = new URLSearchParams(
        Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])),
      ).toString();
      return (await request('GET', q ? `${path}?${q}` : path)) as never;
    },
    command: async (path, body) => (await request('POST', path, body)) as never,
  };
}

/**
 * The console's way to the decision service's API: the same app, called in-process with the signed-in person's own
 * token, so every read and every command takes the API's path (token verification, role checks, the command
 * assertion bound to the one command, the workflow validator's verdict). The console adds pages, never a second path.
 */
/** What a command answered, shown above the page it was taken on. */
export interface Notice {
  kind: 'ok' | 'refused' | 'error';
  text: string;
}

export type ApiFetch = (request: Request) => Response | Promise<Response>;

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

export type Api = <T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<ApiAnswer<T>>;

export function apiFor(fetchApi: ApiFetch, token: string): Api {
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetchApi(
      new Request(new URL(path, 'http://decisions.internal'), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    );
    return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
  };
}

/** A read the API refused or could not serve: the page shows why, with the API's status. */
export class ApiRefused extends Error {
  override name = 'ApiRefused';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A read's body, or {@link ApiRefused} with the API's status and words. */
export async function read<T>(api: Api, path: string): Promise<T> {
  const { status, body } = await api<T & { error?: string }>('GET', path);
  if (status !== 200) throw new ApiRefused(status, (body as { error?: string }).error ?? `HTTP ${status}`);
  return body;
}

interface Verdict {
  accepted?: boolean;
  type?: string;
  code?: string;
  message?: string;
  error?: string;
  issues?: Array<{ path: string; message: string }>;
}

/** A command's answer as the person reads it, and the HTTP status the page is served with. */
export function noticeOf(answer: ApiAnswer, what: string): { notice: Notice; status: 200 | 400 | 403 | 404 | 503 } {
  const v = answer.body as Verdict;
  if (answer.status === 200 && v.accepted === true)
    return { notice: { kind: 'ok', text: `Accepted: ${what}.` }, status: 200 };
  if (answer.status === 200 && v.accepted === false)
    return {
      notice: { kind: 'refused', text: `Refused by the workflow's validator: ${v.type} ${v.code}: ${v.message}` },
      status: 200,
    };
  const status = ([400, 403, 404].includes(answer.status) ? answer.status : 503) as 400 | 403 | 404 | 503;
  const issues = v.issues?.length ? ` (${v.issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : '';
  return { notice: { kind: 'error', text: `Not done: ${v.error ?? `HTTP ${answer.status}`}${issues}` }, status };
}

/** JSON calls to the sandboxes' admin APIs (no auth, local only). */
export async function admin<T = unknown>(base: string, path: string, body?: unknown, method = 'POST'): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${base}${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export const adminGet = <T>(base: string, path: string) => admin<T>(base, path, undefined, 'GET');

/** Polls `check` until it holds or `timeoutMs` passes (a condition, not a fixed sleep); returns whether it held. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

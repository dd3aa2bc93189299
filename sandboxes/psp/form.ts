/** Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed nesting (`metadata[k]=v`, `expand[0]=x`). */

export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export function parseForm(body: string): FormObject {
  const out: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    const path = m
      ? [m[1] ?? rawKey, ...[...(m[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] ?? '')]
      : [rawKey];
    let cur: FormObject = out;
    path.forEach((seg, i) => {
      if (i === path.length - 1) {
        cur[seg] = value;
        return;
      }
      const next = cur[seg];
      if (typeof next === 'object') cur = next;
      else {
        const created: FormObject = {};
        cur[seg] = created;
        cur = created;
      }
    });
  }
  return out;
}

/** A canonical form of the parameters, so "same key, same params" ignores parameter order. */
export function fingerprint(body: string): string {
  return JSON.stringify(
    [...new URLSearchParams(body)].sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b))),
  );
}

export function str(v: FormValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: FormValue | undefined): FormObject | undefined {
  return typeof v === 'object' ? v : undefined;
}

/** A flat string map (metadata, evidence); nested values are not allowed there. */
export function flat(v: FormValue | undefined): Record<string, string> | 'invalid' | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v === '' ? {} : 'invalid';
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') return 'invalid';
    out[k] = x;
  }
  return out;
}

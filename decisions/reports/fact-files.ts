import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FactStore } from '../../activities/adapters/reports/fact-store';
import { factPrefix, type FactKind } from '../../workflows/shared/report-facts';

/**
 * Narrows a read to one customer's facts (case-folded ID) where the source can filter before the engine does (Athena
 * returns only those rows); a source that cannot ignores it, and the report's own query filters either way.
 */
export interface FactFilter {
  customerId?: string;
}

/** The local files holding the facts of `kind` on these UTC days (what the embedded engine scans). */
export interface FactFiles {
  files(kind: FactKind, days: readonly string[], where?: FactFilter): Promise<string[]>;
}

/** Fact files under a local directory laid out like the bucket (`<root>/facts/<kind>/day=…/*.ndjson`). */
export function dirFactFiles(root: string): FactFiles {
  return {
    async files(kind, days) {
      const out: string[] = [];
      for (const day of days) {
        const dir = join(root, factPrefix(kind, day));
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir).sort()) if (f.endsWith('.ndjson')) out.push(join(dir, f));
      }
      return out;
    },
  };
}

/**
 * The bucket's fact files mirrored into `cacheDir` before each scan: a key already mirrored is not fetched again (a
 * fact is written once under its ID; a rewrite carries the same content).
 */
export function mirroredFactFiles(store: FactStore, cacheDir: string): FactFiles {
  const local = dirFactFiles(cacheDir);
  return {
    async files(kind, days) {
      // Days are listed 16 at a time: a customer's history looks back 90 days, one listing each.
      const listed: string[][] = [];
      for (let i = 0; i < days.length; i += 16)
        listed.push(...(await Promise.all(days.slice(i, i + 16).map((day) => store.list(factPrefix(kind, day))))));
      for (const keys of listed) {
        const missing = keys.filter((k) => !existsSync(join(cacheDir, k)));
        for (let i = 0; i < missing.length; i += 16)
          await Promise.all(
            missing.slice(i, i + 16).map(async (key) => {
              const body = await store.get(key);
              if (body === undefined) return;
              const path = join(cacheDir, key);
              mkdirSync(dirname(path), { recursive: true });
              writeFileSync(path, body);
            }),
          );
      }
      return local.files(kind, days);
    },
  };
}

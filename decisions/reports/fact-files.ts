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

/** The one object a compacted day's facts are in (compaction.ts); never a fact's own key (those have no `=`). */
export const COMPACTED_NAME = 'part=compacted.ndjson';

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
 * fact is written once under its ID; a rewrite carries the same content; a compacted day file, rewritten when late
 * facts are folded in, is fetched every time). Only the keys the bucket lists now are scanned: singles a compaction removed stay in the cache
 * but are not read (and would count once anyway, engine.ts).
 */
export function mirroredFactFiles(store: FactStore, cacheDir: string): FactFiles {
  return {
    async files(kind, days) {
      // Days are listed 16 at a time: a customer's history looks back 90 days, one listing each.
      const listed: string[][] = [];
      for (let i = 0; i < days.length; i += 16)
        listed.push(...(await Promise.all(days.slice(i, i + 16).map((day) => store.list(factPrefix(kind, day))))));
      const keys = listed.flat().filter((k) => k.endsWith('.ndjson'));
      // A compacted day file is rewritten in place when late facts are folded in: always fetched again.
      const stale = (k: string) => !existsSync(join(cacheDir, k)) || k.endsWith(COMPACTED_NAME);
      const missing = keys.filter(stale);
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
      return keys.map((k) => join(cacheDir, k)).filter((p) => existsSync(p));
    },
  };
}

import type { ReportsPort } from './port';

/** In-memory reports for unit tests. */
export function createFakeReports() {
  const objects = new Map<string, string>();
  const port = {
    async put(key: string, body: string) {
      objects.set(key, body);
      return { key };
    },
    async get(key: string) {
      return objects.get(key);
    },
  } satisfies ReportsPort;
  return { ...port, objects };
}

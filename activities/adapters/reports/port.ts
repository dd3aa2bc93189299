/** Reports written for people (run summaries as CSV). */
export interface ReportsPort {
  put(key: string, body: string, contentType: string): Promise<{ key: string }>;
  get(key: string): Promise<string | undefined>;
}

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';

/** One history to replay: where it came from (file name or workflow ID) and its workflow type. */
export interface NamedHistory {
  /** The file name for a recorded history, the workflow ID for a downloaded one. */
  workflowId: string;
  workflowType: string;
  history: temporal.api.history.v1.IHistory;
}

/** Where the recorded histories live; the replay test and the release gate both replay every file here. */
export const RECORDED_HISTORIES_DIR = join(__dirname, '..', '..', 'test', 'replay', 'histories');

/** The workflow type a history started as (its first event), or `unknown` for an empty history. */
export function workflowTypeOf(history: temporal.api.history.v1.IHistory): string {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown';
}

/** The recorded history file names (Temporal's JSON history format), sorted. */
export function recordedHistoryFiles(dir: string = RECORDED_HISTORIES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/**
 * The workflow ID each recorded history ran under (`workflow-ids.tsv`: file, tab, ID). Replay must run under the same
 * ID: workflow code that checks a proof or a command assertion bound to its workflow ID takes another path under any
 * other. Files recorded before the list existed replay under their file name.
 */
const WORKFLOW_IDS = 'workflow-ids.tsv';

function recordedWorkflowIds(dir: string): Map<string, string> {
  const path = join(dir, WORKFLOW_IDS);
  if (!existsSync(path)) return new Map();
  const rows = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return new Map(rows.map((row) => row.split('\t') as [string, string]));
}

/** Reads one recorded history file. */
export function readRecordedHistory(file: string, dir: string = RECORDED_HISTORIES_DIR): NamedHistory {
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  const workflowId = recordedWorkflowIds(dir).get(file) ?? basename(file, '.json');
  return { workflowId, workflowType: workflowTypeOf(history), history };
}

/**
 * Saves a history as `<dir>/<name>.json` in Temporal's JSON format (what the replay test and the gate read), and the
 * workflow ID it ran under.
 */
export function writeRecordedHistory(
  history: temporal.api.history.v1.IHistory,
  name: string,
  workflowId: string,
  dir: string = RECORDED_HISTORIES_DIR,
): void {
  writeFileSync(join(dir, `${name}.json`), historyToJSON(history));
  const ids = recordedWorkflowIds(dir).set(`${name}.json`, workflowId);
  const rows = [...ids].sort(([a], [b]) => a.localeCompare(b)).map(([file, id]) => `${file}\t${id}\n`);
  writeFileSync(join(dir, WORKFLOW_IDS), rows.join(''));
}

/** What to download from a namespace. */
export interface DownloadOptions {
  /** Workflow types to fetch; each gets its own capped list query. */
  types: string[];
  /** At most this many histories per type. */
  limit: number;
  /** An extra visibility filter ANDed with `WorkflowType = … AND ExecutionStatus = 'Running'`. */
  query?: string;
}

/** The visibility query for one type: running executions (the only ones new code will replay), plus the filter. */
export function runningQuery(type: string, extra?: string): string {
  const base = `WorkflowType = '${type.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running'`;
  return extra ? `${base} AND (${extra})` : base;
}

/**
 * Downloads the histories of running workflows of each type (at most `limit` per type). Payloads stay as stored
 * (encrypted): the replay worker decodes them with the same data converter as the workers.
 */
export async function downloadRunningHistories(client: Client, opts: DownloadOptions): Promise<NamedHistory[]> {
  const out: NamedHistory[] = [];
  for (const type of opts.types) {
    let taken = 0;
    for await (const execution of client.workflow.list({ query: runningQuery(type, opts.query) })) {
      if (taken >= opts.limit) break;
      const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
      out.push({ workflowId: execution.workflowId, workflowType: type, history: await handle.fetchHistory() });
      taken += 1;
    }
  }
  return out;
}

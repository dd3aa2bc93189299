import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import type { BreakClass } from './contract';

/**
 * The reconciliation's record ids: sha256 over the ids a record owns, so that a re-run of a day (R3) names the same
 * matches and breaks and a break workflow started with the break's id is never started twice. Pure JS (no Node
 * crypto): computed in the workflow sandbox as well as in an activity.
 */

/** Hex sha256 of the parts joined by `|` (pure JS: runs in the workflow sandbox as well as in an activity). */
export function digestId(parts: readonly string[]): string {
  return hex(sha256(utf8ToBytes(parts.join('|'))));
}

const HEX = '0123456789abcdef';
/**
 * Bytes → lowercase hex as one flat string. (`bytesToHex` appends character by character: a 64-character id becomes a
 * tree of 32 string pieces, ~1 KiB each until something flattens it; at 100k matches that was 100 MiB of heap.)
 */
function hex(bytes: Uint8Array): string {
  const codes = new Array<number>(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    codes[2 * i] = HEX.charCodeAt(b >> 4);
    codes[2 * i + 1] = HEX.charCodeAt(b & 15);
  }
  return String.fromCharCode(...codes);
}

/** breakId = sha256(accountId|class|sorted lineIds|sorted itemIds[|scope]). */
export function breakIdOf(
  accountId: string,
  cls: BreakClass,
  lineIds: readonly string[],
  itemIds: readonly string[],
  scope?: string,
): string {
  const parts = [accountId, cls, [...lineIds].sort().join(','), [...itemIds].sort().join(',')];
  if (scope !== undefined) parts.push(scope);
  return digestId(parts);
}

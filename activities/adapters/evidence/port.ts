/** The shop's own records about an order, used as dispute evidence. */
export interface OrderRecord {
  orderId: string;
  productDescription: string;
  orderedAt: string;
}

export interface ShipmentRecord {
  carrier: string;
  trackingNumber: string;
  shippedAt: string;
  deliveredAt?: string;
}

/** One exchange with the customer, already summarised by support (no raw mail bodies). */
export interface CommunicationRecord {
  at: string;
  channel: 'email' | 'chat' | 'phone';
  direction: 'inbound' | 'outbound';
  summary: string;
}

/**
 * Order, shipment-tracking and customer-communication records per order ID. `undefined` means "no such record"
 * (a fact, not an error); outages are retryable errors, malformed requests non-retryable failures.
 */
export interface EvidencePort {
  getOrder(orderId: string): Promise<OrderRecord | undefined>;
  getShipment(orderId: string): Promise<ShipmentRecord | undefined>;
  getCommunications(orderId: string): Promise<CommunicationRecord[] | undefined>;
}

import type { FactKind } from '../../workflows/shared/report-facts';

/**
 * The columns of each fact kind with their declared (DuckDB) types: the embedded engine reads the NDJSON with them
 * (engine.ts) and the Athena reader decodes its string cells by them (athena-facts.ts). Kept apart from the engine so
 * the Athena reader never imports DuckDB. infra/cdk/lib/reports.ts declares the same columns (lower-cased) to Glue.
 */
export const FACT_COLUMNS: Record<FactKind, Record<string, string>> = {
  compensation: {
    factId: 'VARCHAR',
    outcome: 'VARCHAR',
    at: 'VARCHAR',
    day: 'VARCHAR',
    requestId: 'VARCHAR',
    orderId: 'VARCHAR',
    customerId: 'VARCHAR',
    reasonCode: 'VARCHAR',
    agentId: 'VARCHAR',
    agentRole: 'VARCHAR',
    team: 'VARCHAR',
    approvers: 'STRUCT(id VARCHAR, role VARCHAR)[]',
    tier: 'VARCHAR',
    autoApproved: 'BOOLEAN',
    policyVersion: 'VARCHAR',
    currency: 'VARCHAR',
    refundMinor: 'BIGINT',
    storeCreditMinor: 'BIGINT',
    voucherMinor: 'BIGINT',
    totalMinor: 'BIGINT',
    undoneMinor: 'BIGINT',
    undoneStoreCreditMinor: 'BIGINT',
    undoneVoucherMinor: 'BIGINT',
    netMinor: 'BIGINT',
    postingIds: 'VARCHAR[]',
  },
  'payout-sla': {
    factId: 'VARCHAR',
    outcome: 'VARCHAR',
    startedAt: 'VARCHAR',
    closedAt: 'VARCHAR',
    day: 'VARCHAR',
    rail: 'VARCHAR',
    country: 'VARCHAR',
    currency: 'VARCHAR',
    amountMinor: 'BIGINT',
    startToPaidMs: 'BIGINT',
    slaMs: 'BIGINT',
    breached: 'BOOLEAN',
    waits: 'STRUCT(actor VARCHAR, ms BIGINT)[]',
    failureCode: 'VARCHAR',
    returnCode: 'VARCHAR',
  },
};

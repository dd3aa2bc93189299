/**
 * The local identity provider's staff directory: one person per role the product knows (approvals roles, dispute
 * tiers, ops and compliance). Local only: `npx payops-finance login --as <id>` gets a token for any of them.
 * `team` is issued as the tokens' `team` claim (the spend report's team dimension; DECISIONS_TEAM_CLAIM).
 */
export const STAFF: Record<string, { name: string; roles: string[]; team: string }> = {
  'cs.alice': { name: 'Alice (CS agent)', roles: ['cs_agent', 'tier1'], team: 'cs-berlin' },
  'cs.bob': { name: 'Bob (CS agent)', roles: ['cs_agent', 'tier1'], team: 'cs-lisbon' },
  'cs.lee': { name: 'Lee (CS lead)', roles: ['cs_lead', 'tier2'], team: 'cs-berlin' },
  'fin.carol': { name: 'Carol (finance approver)', roles: ['finance_approver'], team: 'finance' },
  'fin.dave': { name: 'Dave (finance manager)', roles: ['finance_manager'], team: 'finance' },
  'fin.erin': { name: 'Erin (finance director)', roles: ['finance_director', 'finance_legal'], team: 'finance' },
  'legal.grace': { name: 'Grace (legal)', roles: ['finance_legal'], team: 'legal' },
  'ops.frank': { name: 'Frank (payment ops)', roles: ['ops'], team: 'payment-ops' },
  'compliance.hana': { name: 'Hana (compliance)', roles: ['compliance', 'ops'], team: 'compliance' },
};

/**
 * The local identity provider's signing key (Ed25519 JWK). Its private half is public by being here: only the
 * local trust set (`workflows/shared/trust.ts`, environment `local`) accepts it.
 */
export const LOCAL_SIGNING_JWK = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'DVP3XVCY_h1b0oyn5zDoDda6jh7DfCv08Q6gJdNNB6o',
  d: 'svjKUbFdrgI93kcmwiC-6hHYPHjzt1IaNRxeD5-OFdI',
} as const;

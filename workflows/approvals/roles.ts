import { z } from 'zod';

/** Roles in ascending order of authority: customer service first, then the finance ladder. */
export const ROLES = ['cs_agent', 'cs_lead', 'finance_approver', 'finance_manager', 'finance_director'] as const;
export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES, {
  error: (issue) => `unknown role ${JSON.stringify(issue.input)}; expected one of ${ROLES.join(', ')}`,
});

/** Position of a role on the ladder; a higher rank may act wherever a lower one may. */
export const roleRank = (role: Role): number => ROLES.indexOf(role);

export const higherRole = (a: Role, b: Role): Role => (roleRank(a) >= roleRank(b) ? a : b);

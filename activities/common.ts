/**
 * @deprecated Import `createSharedActivities` from `./shared`. Kept for one merge step: domain branches written before
 * `activities/shared.ts` existed spread `createCommonActivities(deps)`.
 */
export { createSharedActivities as createCommonActivities } from './shared';

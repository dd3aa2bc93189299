/**
 * The categories of stuck work as visibility queries, for the client's users (the ops CLI, the decision service):
 * defined once in `workflows/sweeper/stuck.ts`, where the sweeper's activities read them too.
 */
export {
  PERSON_ACTORS,
  RUN_STUCK_AFTER_MS,
  STUCK_CATEGORIES,
  stuckQuery,
  webUiListUrl,
  type StuckCategory,
} from '../workflows/sweeper/stuck';

/** The typed client other services import. Each domain re-exports its client module here. */
export { ClientInputError } from './errors';

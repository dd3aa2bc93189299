import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces go into an encoded payload (`encodedAttributes`), which the payload codec then
 * encrypts: an error text quoting evidence or a reason is sealed like any other payload. Loaded by path
 * (`failureConverterPath`) in the client, the worker and the workflow bundle; safe for the workflow sandbox.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

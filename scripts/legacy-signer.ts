import type { CommandSigner } from '../client/commands';

/**
 * Stand-in until the CLIs ask the decision service for command assertions: sends the identity provider's token as
 * the command's token. Workflows refuse it for new commands (`assertion_wrong_type` / `token_wrong_audience`).
 */
export const legacySigner =
  (token: string): CommandSigner =>
  async () =>
    token;

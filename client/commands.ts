import type { Client } from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { CommandBinding } from '../workflows/shared/command-assertion';
import { ClientInputError, parseClientInput, verdictOf, type Verdict } from './errors';

export type { CommandBinding } from '../workflows/shared/command-assertion';

/**
 * Signs one staff command: given what the command is bound to (workflow, run, wire name, the exact argument sent
 * without its token), returns a command assertion (`workflows/shared/command-assertion.ts`). The decision service
 * provides it in every environment (it authenticates the staff member and checks the role first); tests mint
 * assertions with the local decision-service key (`test/support/staff.ts`).
 */
export type CommandSigner = (binding: CommandBinding) => Promise<string>;

/** A staff command as callers write it: its fields without `token`, and who signs it. */
export type Signed<T> = Omit<T, 'token'> & { sign: CommandSigner };

/** The command's fields and its signer, apart. */
export function splitSigner<T extends { sign: CommandSigner }>(command: T): [Omit<T, 'sign'>, CommandSigner] {
  const { sign, ...fields } = command;
  if (typeof sign === 'function') return [fields, sign];
  // Refused when the command is about to be signed: after its fields were checked, so those errors come first.
  const message = 'a command signer is required (staff commands are signed by the decision service)';
  return [
    fields,
    () => Promise.reject(new ClientInputError(`invalid command: sign: ${message}`, [{ path: 'sign', message }])),
  ];
}

/**
 * The run a command goes to: the workflow's current run (a described handle). The command is signed for that run and
 * sent to it, so a continue-as-new in between makes it fail rather than land on a run it was not signed for.
 */
async function currentRun(client: Client, workflowId: string): Promise<string> {
  return (await client.workflow.getHandle(workflowId).describe()).runId;
}

/** Signs `arg` (the exact argument sent, without token) for the workflow's current run and sends the update there. */
export async function signedUpdate<R, A extends object>(
  client: Client,
  workflowId: string,
  def: UpdateDefinition<R, [A & { token?: string }]>,
  arg: A,
  sign: CommandSigner,
): Promise<R> {
  const runId = await currentRun(client, workflowId);
  const token = await sign({ workflowId, runId, command: def.name, args: arg });
  return client.workflow.getHandle(workflowId, runId).executeUpdate(def, { args: [{ ...arg, token }] });
}

/** Signs `arg` for the workflow's current run and signals that run. */
export async function signedSignal<A extends object>(
  client: Client,
  workflowId: string,
  def: SignalDefinition<[A & { token?: string }]>,
  arg: A,
  sign: CommandSigner,
): Promise<void> {
  const runId = await currentRun(client, workflowId);
  const token = await sign({ workflowId, runId, command: def.name, args: arg });
  await client.workflow.getHandle(workflowId, runId).signal(def, { ...arg, token });
}

/**
 * Every signed command verb in one body: checks the caller's fields with the contract's schema (`ClientInputError`
 * names each bad field before anything reaches Temporal), signs the parsed argument for the workflow's current run,
 * sends the update there, and answers a verdict (a refusal is a value, not a throw).
 */
export async function sendSignedCommand<R, S extends z.ZodType<object>>(
  client: Client,
  workflowId: string,
  def: UpdateDefinition<R, [z.output<S> & { token?: string }]>,
  schema: S,
  command: { sign: CommandSigner },
  what: string,
): Promise<Verdict<R>> {
  const [fields, sign] = splitSigner(command);
  const arg: z.output<S> = parseClientInput(schema, fields, what);
  return verdictOf(() => signedUpdate(client, workflowId, def, arg, sign));
}

import type { Verdict } from '../client';
import type { CompensationListRow } from '../client/approvals';
import type { DisputeListRow } from '../client/disputes';
import { loadConfig } from '../workers/config';
import type { CompensationStatus, DecisionOutcome } from '../workflows/approvals/contract';
import { escalationTierSchema, type DisputeCaseView } from '../workflows/disputes/contract';
import { currencySchema, formatMoney } from '../workflows/shared/money';
import {
  oneOf,
  parseCommandLine,
  required,
  runMain,
  withUsageErrors,
  table,
  UsageError,
  type CommandSpec,
  type Io,
} from './cli/args';
import { decisionsClient, DecisionServiceRefusal, pathOf, type DecisionsClient } from './cli/decisions-client';
import { login, requireToken } from './cli/session';
import { reportCommand } from './finance-report';

const USAGE = `finance tooling: compensation approvals and the disputes finance/legal decide

  npx payops-finance login [--as <staff>]    sign in (device login at the identity provider; --as: local only)
  npx payops-finance list [--state pending] [--tier <tier>] [--json]       compensation requests, oldest first
  npx payops-finance show <requestId|workflowId> [--json]                  status + audit trail
  npx payops-finance approve <requestId> --reason "<why>" [--role <role>] [--amount <minor units>] [<remedies>]
  npx payops-finance reject  <requestId> --reason "<why>" [--role <role>] [--amount <minor units>] [<remedies>]
  npx payops-finance disputes [--all] [--due-within <days>] [--json]      cases waiting on finance/legal, soonest due
  npx payops-finance dispute <disputeId> [--json]                          the case: evidence, deadline, decision
  npx payops-finance assign <disputeId> --to <staff> --tier tier1|tier2|finance_legal
  npx payops-finance decide <disputeId> --decision contest|accept [--tier <tier>] [--note "<why>"]
  npx payops-finance report spend|sla --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--tz <IANA zone>] [--csv|--json]
                                      compensation spend (finance) or payout service levels; --to is exclusive

Every command goes to the decision service (DECISIONS_URL) with your login token (or PAYOPS_TOKEN): it checks your
role, signs the decision for that one workflow and command, and sends it; you decide as the token's subject.
--role / --tier pick one of your token's roles (default: your highest). The workflow's validator answers at once:
accepted (exit 0) or refused with its code (exit 1); a role the service refuses exits 1. Bad arguments exit 2.
--amount is the total you reviewed; it defaults to the request's current total as the workflow reports it.
<remedies> = --refund <minor> --store-credit <minor> --voucher <minor> (an absent one is 0): the remedies you reviewed.
A request whose refund the PSP refused for good proposes store credit instead (show: "alternative"); a decision on
it must name these remedies, and they are signed with it.`;

const OPTIONS = {
  as: { type: 'string' },
  role: { type: 'string' },
  reason: { type: 'string' },
  amount: { type: 'string' },
  state: { type: 'string' },
  tier: { type: 'string' },
  all: { type: 'boolean' },
  'due-within': { type: 'string' },
  to: { type: 'string' },
  decision: { type: 'string' },
  note: { type: 'string' },
  from: { type: 'string' },
  tz: { type: 'string' },
  csv: { type: 'boolean' },
  refund: { type: 'string' },
  'store-credit': { type: 'string' },
  voucher: { type: 'string' },
} as const;

const decision: CommandSpec = {
  positionals: ['requestId'],
  options: ['reason', 'role', 'amount', 'refund', 'store-credit', 'voucher'],
};
const COMMANDS: Record<string, CommandSpec> = {
  login: { positionals: [], options: ['as'] },
  list: { positionals: [], options: ['state', 'tier'] },
  show: { positionals: ['requestId'], options: [] },
  approve: decision,
  reject: decision,
  disputes: { positionals: [], options: ['all', 'due-within', 'tier'] },
  dispute: { positionals: ['disputeId'], options: [] },
  assign: { positionals: ['disputeId'], options: ['to', 'tier'] },
  decide: { positionals: ['disputeId'], options: ['decision', 'tier', 'note'] },
  report: { positionals: ['kind'], options: ['from', 'to', 'tz', 'csv'] },
};

/** A row as it crosses HTTP: dates as ISO strings. */
type Wire<T> = { [K in keyof T]: T[K] extends Date | undefined ? string | undefined : T[K] };

const money = (amountMinor: number | undefined, currency: string | undefined) => {
  const c = currencySchema.safeParse(currency);
  return amountMinor === undefined || !c.success ? '?' : formatMoney({ amountMinor, currency: c.data });
};
const age = (ms: number | undefined) =>
  ms === undefined ? '?' : ms < 3_600_000 ? `${Math.round(ms / 60_000)}m` : `${(ms / 3_600_000).toFixed(1)}h`;
const positiveInt = (value: string, option: string) => {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new UsageError(`--${option}`, `'${value}' is not a positive whole number`);
  return Number(value);
};
const minorUnits = (value: string | undefined, option: string) => {
  if (value === undefined) return 0;
  if (!/^(0|[1-9]\d{0,8})$/.test(value)) throw new UsageError(`--${option}`, `'${value}' is not a whole number`);
  return Number(value);
};
/** The remedies a decision names (`--refund`, `--store-credit`, `--voucher`), when any is given. */
const remediesOf = (v: Cmd['values']) =>
  v.refund === undefined && v['store-credit'] === undefined && v.voucher === undefined
    ? undefined
    : {
        refundMinor: minorUnits(v.refund, 'refund'),
        storeCreditMinor: minorUnits(v['store-credit'], 'store-credit'),
        voucherMinor: minorUnits(v.voucher, 'voucher'),
      };
const TIERS = escalationTierSchema.options;

type Cmd = ReturnType<typeof parseCommandLine<typeof OPTIONS>>;
type Out = (value: unknown, text: string) => void;
type AuditEntry = { at: string; data: Record<string, unknown> };

async function showRequest(api: DecisionsClient, id: string, print: Out) {
  const { status, audit } = await api.get<{ status: CompensationStatus; audit: AuditEntry[] }>(pathOf('approvals', id));
  const lines = audit.map(({ at, data: d }) => {
    const by = d['decidedBy'] as { issuer?: string; keyId?: string } | undefined;
    const proof = by ? ` [token ${String(by.issuer)} key ${String(by.keyId)}]` : '';
    const verdict = d['accepted'] ? 'accepted' : `REFUSED ${String(d['refusal'])}`;
    return `  #${String(d['seq'])} ${at} ${String(d['actorId'])} (${String(d['role'])})${proof} ${String(d['decision'])} ${verdict} ${money(Number(d['amountMinor']), String(d['currency']))} policy ${String(d['policyVersion'])}: ${String(d['reason'])}`;
  });
  const text = `${JSON.stringify(status, null, 2)}\n\naudit trail (${audit.length} entries, outside workflow history):`;
  print({ status, audit }, [text, ...lines].join('\n'));
}

async function decideRequest(api: DecisionsClient, cmd: Cmd, print: Out): Promise<number> {
  const reason = required(cmd.values.reason, 'reason');
  const amountMinor = cmd.values.amount !== undefined ? positiveInt(cmd.values.amount, 'amount') : undefined;
  const remedies = remediesOf(cmd.values);
  const verdict = await api.command<DecisionOutcome>(
    pathOf('approvals', cmd.args['requestId'] ?? '', cmd.command ?? ''),
    {
      reason,
      ...(cmd.values.role !== undefined ? { role: cmd.values.role } : {}),
      ...(amountMinor !== undefined ? { amountMinor } : {}),
      ...(remedies ? { remedies } : {}),
    },
  );
  const o = verdict.accepted ? verdict.value : undefined;
  print(
    verdict,
    o
      ? `accepted (#${o.seq}): request is ${o.status}, ${o.approvalsReceived}/${o.approvalsRequired} approvals, policy ${o.policyVersion}`
      : refusedText(verdict),
  );
  return verdict.accepted ? 0 : 1;
}

const refusedText = (v: Verdict<unknown>) =>
  v.accepted ? 'accepted' : `refused by the workflow's validator: ${v.code} (${v.type}): ${v.message}`;

const caseText = (v: DisputeCaseView) =>
  [
    `dispute ${v.disputeId} · ${v.state} (round ${v.round}) · ${money(v.amount?.amountMinor, v.amount?.currency)} · reason ${v.reason ?? '-'}`,
    `due by ${v.dueBy ?? '-'} · tier ${v.tier} · assignee ${v.assignee ?? '-'} · next escalation ${v.nextEscalationAt ?? '-'}`,
    `waiting on ${v.awaiting.actor} since ${v.awaiting.since}: ${v.awaiting.what}`,
    `evidence ${v.evidenceFields.join(', ') || '-'} · missing ${v.missingEvidence.join(', ') || '-'}`,
    `decision ${v.decision ? `${v.decision.decision} by ${v.decision.by} (${v.decision.tier}) at ${v.decision.at}` : '-'}`,
  ].join('\n');

async function disputeCommand(api: DecisionsClient, cmd: Cmd, print: Out): Promise<number> {
  const disputeId = cmd.args['disputeId'] ?? '';
  if (cmd.command === 'dispute') {
    const view = await api.get<DisputeCaseView>(pathOf('disputes', disputeId));
    print(view, caseText(view));
    return 0;
  }
  const tier = cmd.values.tier !== undefined ? oneOf(cmd.values.tier, 'tier', TIERS) : undefined;
  const body =
    cmd.command === 'assign'
      ? {
          assignee: required(cmd.values.to, 'to'),
          tier: tier ?? oneOf(required(cmd.values.tier, 'tier'), 'tier', TIERS),
        }
      : {
          decision: oneOf(required(cmd.values.decision, 'decision'), 'decision', ['contest', 'accept'] as const),
          ...(tier ? { tier } : {}),
          ...(cmd.values.note ? { note: cmd.values.note } : {}),
        };
  const verdict = await api.command<DisputeCaseView>(pathOf('disputes', disputeId, cmd.command ?? ''), body);
  print(verdict, verdict.accepted ? `accepted: ${cmd.command}\n${caseText(verdict.value)}` : refusedText(verdict));
  return verdict.accepted ? 0 : 1;
}

async function workLists(api: DecisionsClient, cmd: Cmd, print: Out): Promise<void> {
  if (cmd.command === 'list') {
    const rows = await api.get<Array<Wire<CompensationListRow>>>('/approvals', {
      state: cmd.values.state,
      tier: cmd.values.tier,
    });
    const cells = rows.map((r) => [
      r.workflowId,
      r.tier ?? '-',
      money(r.amountMinor, r.currency),
      age(r.ageMs),
      r.deadlineAt ?? '-',
      r.orderId ?? '-',
    ]);
    print(rows, table(['REQUEST', 'TIER', 'AMOUNT', 'WAITING', 'NEXT STEP', 'ORDER'], cells));
    return;
  }
  const dueWithin = cmd.values['due-within'];
  const tier = cmd.values.tier !== undefined ? oneOf(cmd.values.tier, 'tier', TIERS) : undefined;
  const all = await api.get<Array<Wire<DisputeListRow>>>('/disputes', {
    dueWithinDays: dueWithin !== undefined ? positiveInt(dueWithin, 'due-within') : undefined,
    tier,
  });
  // Finance/legal's list by default: what waits on finance (the case's AwaitingActor); --all shows every open case.
  const rows = cmd.values.all ? all : all.filter((r) => r.awaitingActor === 'finance');
  const cells = rows.map((r) => [
    r.disputeId,
    r.state ?? '-',
    r.tier ?? '-',
    r.awaitingActor ?? '-',
    money(r.amountMinor, r.currency),
    r.dueBy ?? '-',
    r.deadlineAt ?? '-',
  ]);
  print(rows, table(['DISPUTE', 'STATE', 'TIER', 'WAITING ON', 'AMOUNT', 'DUE BY', 'NEXT MILESTONE'], cells));
}

/** `npx payops-finance` (`npm run finance`): returns the exit code (0 done/accepted, 1 refused, 2 bad arguments). */
export const main = withUsageErrors('finance', async (argv: string[], io: Io): Promise<number> => {
  if (argv.some((a) => a === '--approver' || a.startsWith('--approver=')))
    throw new UsageError(
      '--approver',
      '--approver was removed: you decide as the subject of your login token (npx payops-finance login)',
      true,
    );
  const cmd = parseCommandLine(argv, OPTIONS, COMMANDS);
  if (cmd.help) {
    io.out(USAGE);
    return 0;
  }
  const config = loadConfig(io.env);
  if (cmd.command === 'login') {
    io.out(await login(config.IDP_URL, cmd.values.as, config.PAYOPS_MODE, io.err, io.env));
    return 0;
  }
  // The login is required at the first request, after the command line was checked in full.
  const api = decisionsClient(config.DECISIONS_URL, () => requireToken('finance', io.env), 'finance');
  const print: Out = (value, text) => io.out(cmd.json ? JSON.stringify(value, null, 2) : text);
  try {
    if (cmd.command === 'list' || cmd.command === 'disputes') await workLists(api, cmd, print);
    else if (cmd.command === 'show') await showRequest(api, cmd.args['requestId'] ?? '', print);
    else if (cmd.command === 'approve' || cmd.command === 'reject') return await decideRequest(api, cmd, print);
    else if (cmd.command === 'report')
      return await reportCommand(
        api,
        {
          kind: cmd.args['kind'],
          ...(cmd.values.from !== undefined ? { from: cmd.values.from } : {}),
          ...(cmd.values.to !== undefined ? { to: cmd.values.to } : {}),
          ...(cmd.values.tz !== undefined ? { tz: cmd.values.tz } : {}),
          csv: cmd.values.csv === true,
          json: cmd.json,
        },
        io.out,
      );
    else return await disputeCommand(api, cmd, print);
    return 0;
  } catch (err) {
    if (!(err instanceof DecisionServiceRefusal)) throw err;
    io.err(`finance: ${err.message}`);
    return 1;
  }
});

if (require.main === module) runMain('finance', main);

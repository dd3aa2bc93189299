import { loadConfig } from '../workers/config';
import type { OpsCommandResult } from '../workflows/payouts/contract';
import {
  oneOf,
  parseCommandLine,
  required,
  runMain,
  UsageError,
  withUsageErrors,
  type CommandSpec,
  type Io,
} from './cli/args';
import { decisionsClient, DecisionServiceRefusal, pathOf, type DecisionsClient } from './cli/decisions-client';
import { login, requireToken } from './cli/session';
import { FIX_COMMANDS, RESOLUTIONS, renderVerdict, type FixCommand } from './ops/fix';
import { BREAK_OPTIONS, breakCommandOf, renderBreak, renderBreakList, renderBreakVerdict } from './ops/breaks';
import { pauseText, resumeText, type PspPause, type PspResume } from './ops/psp';
import type { BreakListRow, ReconBreakView } from '../client/breaks';
import type { AuditEvent } from '../workflows/shared/activities';
import { renderPayoutReport, type PayoutReport } from './ops/show';
import { renderStuck, type StuckCount } from './ops/stuck';
import { reconCommand } from './ops/recon';
import { PROVIDER_IDS } from '../workflows/routing/contract';

const USAGE = `ops tooling: find, understand and fix stuck work (docs/runbook.md says which command fits which symptom)

  npx payops-ops login [--as <staff>]        sign in (device login; --as e.g. ops.frank: local only)
  npx payops-ops stuck [--json]              counts per category of stuck work, each with its Web UI list
  npx payops-ops show <payoutId> [--json]    state, what it waits on and since when, deadline, last error,
                                               pending activity attempts and last failure, timeline, audit trail
  npx payops-ops retry  <payoutId> --reason "<why>"    wake a parked or polling payout now
  npx payops-ops hold   <payoutId> --reason "<why>"    compliance hold before the next money step
  npx payops-ops release <payoutId> --reason "<why>"   lift the hold
  npx payops-ops resolve <payoutId> --reason "<why>" --resolution paid_elsewhere|abandoned|partial_return
                                               close by hand; check the rail first (runbook: "unconfirmed at the rail")
  npx payops-ops breaks list [--open] [--json]         reconciliation breaks (--open: still waiting on someone)
  npx payops-ops breaks show <workflowId> [--json]    facts, observations, proposal, resolution, audit trail
  npx payops-ops breaks resolve <workflowId> --action <action> ...   resolve a break:
      --action link --note "<why>" (--workflow <id> | --posting <id> | --line <id>)
      --action mark-received --external-ref <ref> --note "<why>"
      --action adjust --amount-minor <n> --currency <ISO> --account <ledger account> --note "<why>"   (finance;
               above 100.00 it is a proposal a second finance member approves)
      --action approve [--note "<why>"]      (finance, not the proposer)
      --action rebook --note "<why>"         (finance; a late return, confirmed at the bank, back to the creator)
      --action recover-duplicate --mode reverse|offset --note "<why>"   (a duplicate disbursement: reversed at the
               provider that paid it, Stripe only, confirmed there; or a receivable the creator's next payout nets;
               above 100.00 a proposal a second finance member approves)
      --action void --reason "<why>"   ·   --action reopen --reason "<why>"
  npx payops-ops pause-psp --provider stripe|adyen --incident <id> --reason "<why>"  PSP incident: no new call to
                                               that PSP leaves, for every payout; the other PSP keeps paying
  npx payops-ops resume-psp --provider stripe|adyen [--rate <per second>] [--reason "<why>"]  release that PSP's
                                               backlog at the paced rate
  npx payops-ops recon day <account> <date> [--json]        a reconciliation day: statement, matches, breaks by
                                               class, tie-out, its runs
  npx payops-ops recon rerun <account> <date> --reason "<why>"  re-run the day (-r<K>): same outputs, nothing new
  npx payops-ops recon preview <account> <date> --rules <version>  dry run of another rule version: what would
                                               change (nothing written)

Every command goes to the decision service (DECISIONS_URL) with your login token (or PAYOPS_TOKEN): it checks your
role, signs each fix for that one payout and command, and sends it; the workflow's validator answers at once:
accepted (exit 0) or refused with its code and message (exit 1, nothing recorded). Bad arguments exit 2. Pausing and
resuming PSP calls need the ops role; a resume restores at most the configured account rate. No Temporal or AWS
credentials are needed here.
The service's links use its WEB_UI_URL and TEMPORAL_NAMESPACE.`;

const OPTIONS = {
  as: { type: 'string' },
  reason: { type: 'string' },
  resolution: { type: 'string' },
  incident: { type: 'string' },
  rate: { type: 'string' },
  rules: { type: 'string' },
  provider: { type: 'string' },
} as const;

const fix: CommandSpec = { positionals: ['payoutId'], options: ['reason'] };
/** The command table. */
const COMMANDS: Record<string, CommandSpec> = {
  login: { positionals: [], options: ['as'] },
  stuck: { positionals: [], options: [] },
  show: { positionals: ['payoutId'], options: [] },
  retry: fix,
  hold: fix,
  release: fix,
  resolve: { positionals: ['payoutId'], options: ['reason', 'resolution'] },
  'pause-psp': { positionals: [], options: ['provider', 'incident', 'reason'] },
  'resume-psp': { positionals: [], options: ['provider', 'rate', 'reason'] },
  recon: { positionals: ['action', 'account', 'date'], options: ['rules', 'reason'] },
};

/** `--rate`: a positive number of PSP calls per second. */
function rateOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(n > 0) || n > 10_000)
    throw new UsageError('--rate', `must be a number of calls per second above 0, got ${raw}`);
  return n;
}

/** `npx payops-ops` (`npm run ops`): returns the exit code (0 done/accepted, 1 refused, 2 bad arguments). */
export const main = withUsageErrors('ops', async (argv: string[], io: Io): Promise<number> => {
  if (argv[0] === 'breaks') return breaks(argv.slice(1), io);
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
  if (cmd.command === 'recon') {
    const api = decisionsClient(config.DECISIONS_URL, () => requireToken('ops', io.env), 'ops');
    try {
      return await reconCommand(cmd, api, io);
    } catch (err) {
      if (!(err instanceof DecisionServiceRefusal)) throw err;
      io.err(`ops: ${err.message}`);
      return 1;
    }
  }
  const isFix = (FIX_COMMANDS as readonly string[]).includes(cmd.command ?? '');
  // Checked before any request: a bad command line never leaves this machine.
  const reason = isFix ? required(cmd.values.reason, 'reason') : '';
  const resolution =
    cmd.command === 'resolve'
      ? oneOf(required(cmd.values.resolution, 'resolution'), 'resolution', RESOLUTIONS)
      : undefined;
  const print = (value: unknown, text: string) => io.out(cmd.json ? JSON.stringify(value, null, 2) : text);
  const api = decisionsClient(config.DECISIONS_URL, () => requireToken('ops', io.env), 'ops');
  if (cmd.command === 'pause-psp' || cmd.command === 'resume-psp') return pspControl(cmd, api, io);
  try {
    if (cmd.command === 'stuck') {
      const { at, categories } = await api.get<{ at: string; categories: StuckCount[] }>('/stuck');
      print({ at, categories }, renderStuck(categories, new Date(at)));
      return 0;
    }
    const payoutId = cmd.args['payoutId'] ?? '';
    if (cmd.command === 'show') {
      const report = await api.get<PayoutReport>(pathOf('payouts', payoutId));
      print(report, renderPayoutReport(report));
      return 0;
    }
    const command = cmd.command as FixCommand;
    const verdict = await api.command<OpsCommandResult>(pathOf('payouts', payoutId, command), {
      reason,
      ...(resolution ? { outcome: resolution } : {}),
    });
    print(verdict, renderVerdict(command, payoutId, verdict));
    return verdict.accepted ? 0 : 1;
  } catch (err) {
    if (!(err instanceof DecisionServiceRefusal)) throw err;
    io.err(`ops: ${err.message}`);
    return 1;
  }
});

/** `pause-psp` / `resume-psp`, through the decision service like every other command (it checks the ops role). */
async function pspControl(cmd: ReturnType<typeof parseCommandLine<typeof OPTIONS>>, api: DecisionsClient, io: Io) {
  const print = (value: unknown, text: string) => io.out(cmd.json ? JSON.stringify(value, null, 2) : text);
  // Required, never defaulted: during an incident the operator names the provider that fails (see psp-control.ts).
  const provider = oneOf(required(cmd.values.provider, 'provider'), 'provider', PROVIDER_IDS);
  if (cmd.command === 'pause-psp') {
    const incidentId = required(cmd.values.incident, 'incident');
    const reason = required(cmd.values.reason, 'reason');
    const v = await api.command<PspPause>('/psp/pause', { provider, incidentId, reason });
    if (v.accepted) print(v.value, pauseText(v.value));
    return v.accepted ? 0 : 1;
  }
  const ratePerSecond = rateOf(cmd.values.rate);
  const reason = cmd.values.reason;
  const v = await api.command<PspResume>('/psp/resume', {
    provider,
    ...(ratePerSecond ? { ratePerSecond } : {}),
    ...(reason ? { reason } : {}),
  });
  if (v.accepted) print(v.value, resumeText(v.value));
  return v.accepted ? 0 : 1;
}

const BREAK_COMMANDS: Record<string, CommandSpec> = {
  list: { positionals: [], options: ['open'] },
  show: { positionals: ['workflowId'], options: [] },
  resolve: {
    positionals: ['workflowId'],
    options: Object.keys(BREAK_OPTIONS).filter((o) => o !== 'open'),
  },
};

/** `breaks list|show|resolve`, through the decision service like every other command. */
async function breaks(argv: string[], io: Io): Promise<number> {
  const cmd = parseCommandLine(argv, BREAK_OPTIONS, BREAK_COMMANDS);
  if (cmd.help) {
    io.out(USAGE);
    return 0;
  }
  const config = loadConfig(io.env);
  // Checked before any request: a bad command line never leaves this machine.
  const action = cmd.command === 'resolve' ? breakCommandOf(cmd.values) : undefined;
  const print = (value: unknown, text: string) => io.out(cmd.json ? JSON.stringify(value, null, 2) : text);
  const api = decisionsClient(config.DECISIONS_URL, () => requireToken('ops', io.env), 'ops');
  const workflowId = cmd.args['workflowId'] ?? '';
  try {
    if (cmd.command === 'list') {
      const rows = await api.get<BreakListRow[]>('/breaks', cmd.values.open ? { open: 'true' } : {});
      print(rows, renderBreakList(rows));
      return 0;
    }
    if (cmd.command === 'show') {
      const report = await api.get<{ status: ReconBreakView; audit: AuditEvent[] }>(pathOf('breaks', workflowId));
      print(report, renderBreak(report));
      return 0;
    }
    const { verb, body } = action!;
    const verdict = await api.command<ReconBreakView>(pathOf('breaks', workflowId, verb), body);
    print(verdict, renderBreakVerdict(verb, workflowId, verdict));
    return verdict.accepted ? 0 : 1;
  } catch (err) {
    if (!(err instanceof DecisionServiceRefusal)) throw err;
    io.err(`ops: ${err.message}`);
    return 1;
  }
}

if (require.main === module) runMain('ops', main);

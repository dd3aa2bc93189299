import { createDynamoAudit } from '../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../activities/adapters/aws';
import { connectClient } from '../client/connect';
import { awsOptions, loadConfig } from '../workers/config';
import { oneOf, parseCommandLine, required, runMain, UsageError, withUsageErrors, type CommandSpec } from './cli/args';
import { login, requireToken } from './cli/session';
import { FIX_COMMANDS, RESOLUTIONS, renderVerdict, sendFix, type FixCommand } from './ops/fix';
import { pausePsp, pspOperator, resumePsp } from './ops/psp';
import { payoutReport, renderPayoutReport } from './ops/show';
import { countStuck, renderStuck } from './ops/stuck';

const USAGE = `ops tooling: find, understand and fix stuck work (docs/runbook.md says which command fits which symptom)

  npm run ops -- login --as <staff>           sign in (e.g. ops.frank); fixes carry your token
  npm run ops -- stuck [--json]               counts per category of stuck work, each with its Web UI list
  npm run ops -- show <payoutId> [--json]     state, what it waits on and since when, deadline, last error,
                                              pending activity attempts and last failure, timeline, audit trail
  npm run ops -- retry   <payoutId> --reason "<why>"    wake a parked or polling payout now
  npm run ops -- hold    <payoutId> --reason "<why>"    compliance hold before the next money step
  npm run ops -- release <payoutId> --reason "<why>"    lift the hold
  npm run ops -- resolve <payoutId> --reason "<why>" --resolution paid_elsewhere|abandoned
                                              close by hand; check the rail first (runbook: "unconfirmed at the rail")
  npm run ops -- pause-psp --incident <id> --reason "<why>"   PSP incident: no new PSP call leaves, for every payout
  npm run ops -- resume-psp [--rate <per second>] [--reason "<why>"]  release the backlog at the paced rate

Pausing and resuming PSP calls needs the ops role (the CLI verifies your token; the subject is recorded).
Fixes send the payout's update with your login token (or PAYOPS_TOKEN); the workflow's validator answers at once:
accepted (exit 0) or refused with its code and message (exit 1, nothing recorded). Bad arguments exit 2.
Links use WEB_UI_URL (default http://127.0.0.1:8233) and TEMPORAL_NAMESPACE.`;

const OPTIONS = {
  as: { type: 'string' },
  reason: { type: 'string' },
  resolution: { type: 'string' },
  incident: { type: 'string' },
  rate: { type: 'string' },
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
  'pause-psp': { positionals: [], options: ['incident', 'reason'] },
  'resume-psp': { positionals: [], options: ['rate', 'reason'] },
};

/** `--rate`: a positive number of PSP calls per second. */
function rateOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(n > 0) || n > 10_000)
    throw new UsageError('--rate', `must be a number of calls per second above 0, got ${raw}`);
  return n;
}

/** `npm run ops`: returns the exit code (0 done/accepted, 1 refused, 2 bad arguments). */
export const main = withUsageErrors('ops', async (argv: string[]): Promise<number> => {
  const cmd = parseCommandLine(argv, OPTIONS, COMMANDS);
  if (cmd.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (cmd.command === 'login') {
    console.log(await login(config.IDP_URL, required(cmd.values.as, 'as')));
    return 0;
  }
  const isFix = (FIX_COMMANDS as readonly string[]).includes(cmd.command ?? '');
  // Checked before connecting: a bad command line never reaches Temporal.
  const reason = isFix ? required(cmd.values.reason, 'reason') : '';
  const resolution =
    cmd.command === 'resolve'
      ? oneOf(required(cmd.values.resolution, 'resolution'), 'resolution', RESOLUTIONS)
      : undefined;
  const isPsp = cmd.command === 'pause-psp' || cmd.command === 'resume-psp';
  const incidentId = cmd.command === 'pause-psp' ? required(cmd.values.incident, 'incident') : '';
  const pauseReason = cmd.command === 'pause-psp' ? required(cmd.values.reason, 'reason') : undefined;
  const ratePerSecond = cmd.command === 'resume-psp' ? rateOf(cmd.values.rate) : undefined;
  const token = isFix || isPsp ? requireToken('ops') : '';
  const operator = isPsp ? pspOperator(token, config.PAYOPS_MODE) : '';
  const { client, close } = await connectClient();
  const print = (value: unknown, text: string) => console.log(cmd.json ? JSON.stringify(value, null, 2) : text);
  try {
    if (cmd.command === 'stuck') {
      const now = new Date();
      const counts = await countStuck(client, { base: config.WEB_UI_URL, namespace: config.TEMPORAL_NAMESPACE }, now);
      print({ at: now.toISOString(), categories: counts }, renderStuck(counts, now));
      return 0;
    }
    if (cmd.command === 'pause-psp') {
      const { result, text } = await pausePsp(client, { incidentId, reason: pauseReason ?? '', operator });
      print(result, text);
      return 0;
    }
    if (cmd.command === 'resume-psp') {
      const reason = cmd.values.reason;
      const { result, text } = await resumePsp(client, {
        operator,
        ...(ratePerSecond ? { ratePerSecond } : {}),
        ...(reason ? { reason } : {}),
      });
      print(result, text);
      return 0;
    }
    const payoutId = cmd.args['payoutId'] ?? '';
    if (cmd.command === 'show') {
      const audit = createDynamoAudit({ aws: makeAwsClients(awsOptions(config)), table: config.AUDIT_TABLE });
      const report = await payoutReport(client, audit, payoutId);
      print(report, renderPayoutReport(report));
      return 0;
    }
    const command = cmd.command as FixCommand;
    const verdict = await sendFix(client, command, payoutId, { token, reason, ...(resolution ? { resolution } : {}) });
    print(verdict, renderVerdict(command, payoutId, verdict));
    return verdict.accepted ? 0 : 1;
  } finally {
    await close();
  }
});

if (require.main === module) runMain('ops', main);

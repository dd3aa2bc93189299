import { parseArgs } from 'node:util';
import { createDynamoAudit } from '../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../activities/adapters/aws';
import { awsOptions, loadConfig } from '../workers/config';
import { approvals } from '../client';
import { connectClient } from '../client/connect';
import { ClientInputError, parseClientInput } from '../client/errors';
import {
  approvalAuditStream,
  compensationRequestId,
  compensationWorkflowId,
  financeDecisionCommandSchema,
} from '../workflows/approvals/contract';
import { formatMoney, currencySchema } from '../workflows/shared/money';
import { describeToken, loadToken, requestToken, saveToken, sessionFile } from './staff-session';

const USAGE = `finance tooling for compensation approvals

  npm run finance -- login --as <staff>      sign in (local identity provider); decisions carry your token
  npm run finance -- list [--state pending] [--tier finance]
  npm run finance -- show <requestId|workflowId>
  npm run finance -- approve <requestId|workflowId> --reason "<why>" [--role <role>] [--amount <minor units>]
  npm run finance -- reject  <requestId|workflowId> --reason "<why>" [--role <role>] [--amount <minor units>]

Decisions carry your login token (or PAYOPS_TOKEN): the workflow verifies it, and you decide as the token's subject.
--role picks one of your token's roles (default: your highest approvals role). Decisions go through the update path:
the workflow's validator answers at once (accepted, or why not). --amount is the total you reviewed; it defaults to
the request's current total as the workflow reports it.`;

const NOT_LOGGED_IN = 'not logged in: run npm run finance -- login --as <staff> (or set PAYOPS_TOKEN)';

const money = (amountMinor: number | undefined, currency: string | undefined) => {
  const c = currencySchema.safeParse(currency);
  return amountMinor === undefined || !c.success ? '?' : formatMoney({ amountMinor, currency: c.data });
};
const age = (ms: number | undefined) =>
  ms === undefined ? '?' : ms < 3_600_000 ? `${Math.round(ms / 60_000)}m` : `${(ms / 3_600_000).toFixed(1)}h`;

export async function main(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--approver' || a.startsWith('--approver='))) {
    console.error('--approver was removed: you decide as the subject of your login token (npm run finance -- login)');
    return 2;
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      reason: { type: 'string' },
      amount: { type: 'string' },
      state: { type: 'string' },
      tier: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      as: { type: 'string' },
    },
  });
  const [command, id] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  if (command === 'login') {
    if (!values.as) throw new ClientInputError('login needs --as <staff>', [{ path: 'as', message: 'missing' }]);
    const token = await requestToken(config.IDP_URL, values.as);
    saveToken(token);
    const c = describeToken(token);
    console.log(
      `logged in as ${c.sub} (${(c.roles ?? []).join(', ') || 'no roles'}) until ${new Date((c.exp ?? 0) * 1000).toISOString()}; token in ${sessionFile()}`,
    );
    return 0;
  }
  const token = command === 'approve' || command === 'reject' ? loadToken() : undefined;
  if ((command === 'approve' || command === 'reject') && !token) {
    console.error(NOT_LOGGED_IN);
    return 2;
  }
  const { client, close } = await connectClient();
  try {
    if (command === 'list') {
      const rows = await approvals.listApprovals(client, {
        state: (values.state ?? 'pending') as never,
        tier: values.tier,
      });
      if (rows.length === 0) console.log('nothing to decide');
      for (const r of rows) {
        console.log(
          [
            r.workflowId.padEnd(36),
            (r.tier ?? '-').padEnd(16),
            money(r.amountMinor, r.currency).padStart(14),
            `waiting ${age(r.ageMs)}`.padEnd(14),
            `next step ${r.deadlineAt?.toISOString() ?? '-'}`,
            `order ${r.orderId ?? '-'}`,
          ].join('  '),
        );
      }
      return 0;
    }
    if (!id) throw new ClientInputError(`${command} needs a request ID`, [{ path: 'id', message: 'missing' }]);
    const requestId = compensationRequestId(id);
    if (command === 'show') {
      const status = await approvals.getCompensationStatus(client, requestId);
      console.log(JSON.stringify(status, null, 2));
      const audit = await createDynamoAudit({
        aws: makeAwsClients(awsOptions(config)),
        table: config.AUDIT_TABLE,
      }).list(approvalAuditStream(compensationWorkflowId(requestId)));
      console.log(`\naudit trail (${audit.length} entries, outside workflow history):`);
      for (const e of audit) {
        const d = e.data;
        const by = d['decidedBy'] as { issuer?: string; keyId?: string } | undefined;
        const proof = by ? ` [token ${String(by.issuer)} key ${String(by.keyId)}]` : '';
        console.log(
          `  #${String(d['seq'])} ${e.at} ${String(d['actorId'])} (${String(d['role'])})${proof} ${String(d['decision'])} ${d['accepted'] ? 'accepted' : `REFUSED ${String(d['refusal'])}`} ${money(Number(d['amountMinor']), String(d['currency']))} policy ${String(d['policyVersion'])}: ${String(d['reason'])}`,
        );
      }
      return 0;
    }
    if (command === 'approve' || command === 'reject') {
      const status = await approvals.getCompensationStatus(client, requestId);
      const amountMinor = values.amount !== undefined ? Number(values.amount) : status.totalMinor;
      const decision = parseClientInput(
        financeDecisionCommandSchema,
        {
          token,
          role: values.role,
          reason: values.reason,
          amount: { amountMinor, currency: status.currency },
        },
        'finance decision',
      );
      const verdict = await approvals.decideCompensation(client, requestId, command, decision);
      if (verdict.accepted) {
        const o = verdict.value;
        console.log(
          `accepted (#${o.seq}): request is ${o.status}, ${o.approvalsReceived}/${o.approvalsRequired} approvals, policy ${o.policyVersion}`,
        );
        return 0;
      }
      console.log(`refused by the workflow's validator: ${verdict.code} (${verdict.type}): ${verdict.message}`);
      return 1;
    }
    console.error(`unknown command ${command}\n\n${USAGE}`);
    return 2;
  } finally {
    await close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(
        err instanceof ClientInputError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : err,
      );
      process.exit(2);
    },
  );
}

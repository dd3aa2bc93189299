import type { Types } from '@adyen/api-library';
import { z } from 'zod';
import { classifyCode } from '../../../workflows/routing/route';
import { routingTableFor, routingTableVersionAt } from '../../../workflows/routing/table';
import { currencySchema, type Money } from '../../../workflows/shared/money';
import { failure, FailureType } from '../../../workflows/shared/failures';
import { mapAdyenError, refusedTransfer, type Classify } from './errors';
import { adyenClient, type AdyenConnection } from './http-client';
import { adyenLibrary, type Adyen } from './library';
import type { PayoutProviderPort, ProviderTransferStatus, TransferSummary } from './port';

export interface AdyenTransfersOptions extends AdyenConnection {
  /** What a code means; default: the routing table in effect now (`workflows/routing/table.ts`). */
  classify?: Classify;
}

/** Adyen's `reference` limit for internal transfers (the payout's reference must fit; bank transfers allow fewer). */
const referenceSchema = z
  .string()
  .min(1)
  .max(80, { error: 'reference must be at most 80 characters (Adyen internal transfers)' })
  .regex(/^[A-Za-z0-9:_-]+$/, { error: 'reference may hold letters, digits, ":", "_" and "-" only' });

/**
 * The second PSP's adapter on Adyen's official Node library (`TransfersAPI.TransfersApi`: `transferFunds`,
 * `getTransfer`, `getAllTransfers`). The library builds and reads the wire format; our fetch client only carries it
 * to a base URL of our choosing (the sandbox). Every create carries the `Idempotency-Key`.
 */
export function createAdyenTransfers(opts: AdyenTransfersOptions): PayoutProviderPort {
  // Built, and the library loaded, on the first call: the worker builds this adapter before its first poll.
  let transfersApi: InstanceType<Adyen['TransfersAPI']>['TransfersApi'] | undefined;
  const api = () => (transfersApi ??= new (adyenLibrary().TransfersAPI)(adyenClient(opts)).TransfersApi);
  const classify: Classify =
    opts.classify ?? ((code) => classifyCode(routingTableFor(routingTableVersionAt(Date.now())), 'adyen', code));

  return {
    async createTransfer(i) {
      const reference = referenceSchema.safeParse(i.reference);
      if (!reference.success)
        throw failure(
          FailureType.InvalidInput,
          `adyen createTransfer: ${reference.error.issues[0]?.message ?? 'bad reference'}`,
        );
      const { CategoryEnum } = adyenLibrary().Types.transfers.TransferInfo;
      const info: Types.transfers.TransferInfo = {
        amount: { currency: i.amount.currency, value: i.amount.amountMinor },
        balanceAccountId: opts.balanceAccountId,
        category: i.destination.kind === 'balance_account' ? CategoryEnum.Internal : CategoryEnum.Bank,
        counterparty:
          i.destination.kind === 'balance_account'
            ? { balanceAccountId: i.destination.id }
            : { transferInstrumentId: i.destination.id },
        reference: reference.data,
        ...(i.description ? { description: i.description } : {}),
      };
      let t: Types.transfers.Transfer;
      try {
        t = await api().transferFunds(info, { idempotencyKey: i.idempotencyKey });
      } catch (err) {
        mapAdyenError(err, 'adyen createTransfer', classify);
      }
      if (t.status === 'refused')
        refusedTransfer('adyen createTransfer', String(t.reason ?? 'unknown'), t.id ?? '', classify);
      return summary(t);
    },

    async findTransfer(i) {
      const since = new Date(i.createdSince);
      // Up to now (and a minute on: the provider's clock may run ahead of ours).
      const until = new Date(Date.now() + 60_000);
      const found: Types.transfers.TransferData[] = [];
      let cursor: string | undefined;
      try {
        do {
          const page = await api().getAllTransfers(
            since,
            until,
            undefined,
            undefined,
            opts.balanceAccountId,
            undefined,
            i.reference,
            undefined,
            'asc',
            cursor,
            100,
          );
          found.push(...(page.data ?? []));
          cursor = nextCursor(page._links?.next?.href);
        } while (cursor);
      } catch (err) {
        mapAdyenError(err, 'adyen findTransfer', classify);
      }
      const mine = found.filter((t) => t.reference === i.reference);
      // The one that moved money wins over refusals: a fence must see any transfer that may pay.
      const moving = mine.filter((t) => t.status !== 'refused');
      const pick = moving.at(-1) ?? mine.at(-1);
      return pick ? summary(pick) : undefined;
    },

    async getTransfer(transferId) {
      try {
        return summary(await api().getTransfer(transferId));
      } catch (err) {
        mapAdyenError(err, 'adyen getTransfer', classify);
      }
    },
  };
}

function nextCursor(href: string | undefined): string | undefined {
  if (!href) return undefined;
  return new URL(href, 'http://adyen').searchParams.get('cursor') ?? undefined;
}

const STATUS: Record<string, ProviderTransferStatus> = {
  received: 'pending',
  authorised: 'pending',
  booked: 'paid',
  refused: 'refused',
  failed: 'failed',
  returned: 'reversed',
};

function summary(t: Types.transfers.Transfer | Types.transfers.TransferData): TransferSummary {
  const currency = currencySchema.safeParse(t.amount.currency);
  if (!currency.success) throw failure(FailureType.ProviderPermanent, `adyen: transfer in an unknown currency`);
  const amount: Money = { amountMinor: t.amount.value, currency: currency.data };
  const providerStatus = String(t.status);
  return {
    transferId: t.id ?? '',
    // A status this adapter does not know may be money on its way: pending, never failed.
    status: STATUS[providerStatus] ?? 'pending',
    providerStatus,
    ...(t.reason ? { reason: String(t.reason) } : {}),
    amount,
    ...(t.reference ? { reference: t.reference } : {}),
  };
}

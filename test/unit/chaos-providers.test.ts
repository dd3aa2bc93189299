import { createAdyenTransfers } from '../../activities/adapters/adyen/adyen-transfers';
import { createStripePsp } from '../../activities/adapters/psp/stripe-psp';
import { startAdyenSandbox, type AdyenSandbox } from '../../sandboxes/adyen';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { crossProviderViolations, providerRecords } from '../chaos/providers';

/** The cross-provider invariants (F1 one provider pays, F5 keys never cross) read from both sandboxes' own records. */
describe('cross-provider invariants from the sandboxes', () => {
  let psp: PspSandbox;
  let adyen: AdyenSandbox;
  const stack = () => ({ psp, adyen });
  const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

  beforeAll(async () => {
    [psp, adyen] = await Promise.all([
      startPspSandbox({ port: 0, webhookSecret: 'whsec_x' }),
      startAdyenSandbox({ port: 0, hmacKey: 'AA' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([psp.stop(), adyen.stop()]);
  });
  beforeEach(async () => {
    for (const s of [psp, adyen]) await fetch(`${s.url}/__admin/reset`, { method: 'POST', body: '{}' });
    await fetch(`${psp.url}/__admin/balance`, {
      method: 'POST',
      body: JSON.stringify({ currency: 'eur', amount: 1e9 }),
    });
  });

  const stripe = () => createStripePsp({ apiBase: psp.url, secretKey: 'sk_test_x', timeoutMs: 2_000 });
  const adyenPort = () => createAdyenTransfers({ apiBase: adyen.url, apiKey: 'k', balanceAccountId: 'BA_PLATFORM' });
  const viaStripe = (wf: string, key: string) =>
    stripe().createTransfer({
      idempotencyKey: key,
      amount: EUR(100),
      destinationAccount: 'acct_creator',
      reference: wf,
      stepKey: 'initiate',
    });
  const viaAdyen = (wf: string, key: string) =>
    adyenPort().createTransfer({
      idempotencyKey: key,
      amount: EUR(100),
      destination: { kind: 'balance_account', id: 'BA_CREATOR' },
      reference: `${wf}:initiate:adyen`,
    });

  it('when one payout is paid at stripe and another at adyen, with provider-qualified keys, then no invariant is broken', async () => {
    await viaStripe('payout-a', 'payout-a:initiate:stripe');
    await viaAdyen('payout-b', 'payout-b:initiate:adyen');
    const r = await providerRecords(stack());
    expect(r.transfers.map((t) => [t.provider, t.attempt])).toEqual([
      ['stripe', 'payout-a:initiate'],
      ['adyen', 'payout-b:initiate'],
    ]);
    expect(crossProviderViolations(r.transfers, r.calls)).toEqual([]);
  });

  it('when the same payout attempt stands at both providers, then F1 names the duplicate', async () => {
    await viaStripe('payout-c', 'payout-c:initiate:stripe');
    await viaAdyen('payout-c', 'payout-c:initiate:adyen');
    const r = await providerRecords(stack());
    expect(crossProviderViolations(r.transfers, r.calls)).toEqual([
      expect.stringMatching(/^F1 payout-c:initiate: 2 standing transfers \(stripe tr_\w+, adyen \w+\)$/),
    ]);
  });

  it('when one idempotency key reaches both providers, then F5 names it; a refused transfer never counts as standing', async () => {
    await fetch(`${adyen.url}/__admin/balance`, {
      method: 'POST',
      body: JSON.stringify({ currency: 'EUR', value: 0 }),
    });
    await viaStripe('payout-d', 'payout-d:initiate');
    await expect(viaAdyen('payout-d', 'payout-d:initiate')).rejects.toMatchObject({ type: 'InsufficientFunds' });
    const r = await providerRecords(stack());
    expect(crossProviderViolations(r.transfers, r.calls)).toEqual([
      'F5 idempotency key payout-d:initiate seen by adyen and stripe',
    ]);
  });
});

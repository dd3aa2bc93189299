import { formatMoney, moneySchema } from '../../workflows/shared/money';
import { parseOrFail } from '../../workflows/shared/parse';

describe('money', () => {
  test.each([
    [{ amountMinor: -1, currency: 'EUR' }, /amountMinor: must be greater than zero/],
    [{ amountMinor: 0, currency: 'EUR' }, /amountMinor: must be greater than zero/],
    [{ amountMinor: 12.5, currency: 'EUR' }, /amountMinor: must be a whole number/],
    [{ amountMinor: 100, currency: 'XXX' }, /currency: unknown currency "XXX"/],
    [{ amountMinor: 100 }, /currency:/],
  ])('when money is %j, then parsing fails naming the field', (input, message) => {
    expect(() => parseOrFail(moneySchema, input, 'amount')).toThrow(message);
  });

  test('when amounts are formatted, then minor units follow the currency exponent', () => {
    expect(formatMoney({ amountMinor: 1250, currency: 'EUR' })).toBe('EUR 12.50');
    expect(formatMoney({ amountMinor: 1250, currency: 'JPY' })).toBe('JPY 1250');
    expect(formatMoney({ amountMinor: 5, currency: 'USD' })).toBe('USD 0.05');
  });
});

/** Bank identifiers (pure; also used by `workers/config.ts` to check the configured debtor account). */

/** IBAN shape (ISO 13616); anything not shaped like an IBAN is treated as a local account number. */
export function looksLikeIban(ref: string): boolean {
  return /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(ref.replace(/\s+/g, ''));
}

/** IBAN shape + mod-97 check digits. */
export function isValidIban(ref: string): boolean {
  const iban = ref.replace(/\s+/g, '').toUpperCase();
  if (!looksLikeIban(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem === 1;
}

/** A BIC as ISO 20022's `BICFIDec2014Identifier` accepts it (8 or 11 characters). */
export function isBic(bic: string): boolean {
  return /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic);
}

/**
 * Building XML for ISO 20022, shared by the bank adapter and the bank sandbox: a tiny builder that escapes every
 * text and attribute value. Reading is `xml-read.ts` (a real parser).
 */

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

/** A child is a nested element string (already built) or omitted (`undefined`/`false`). */
type Child = string | undefined | false;

/** `el('Amt', { Ccy: 'EUR' }, '12.50')` → `<Amt Ccy="EUR">12.50</Amt>`. Text content is escaped; use `raw` for children. */
export function el(
  name: string,
  attrsOrText?: Record<string, string> | string | number,
  text?: string | number,
): string {
  const attrs = typeof attrsOrText === 'object' ? attrsOrText : {};
  const content = typeof attrsOrText === 'object' ? text : attrsOrText;
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  return `<${name}${a}>${content === undefined ? '' : escapeXml(String(content))}</${name}>`;
}

/** An element whose children are already-built XML strings. */
export function node(name: string, ...children: Child[]): string {
  return `<${name}>${children.filter((c): c is string => typeof c === 'string').join('')}</${name}>`;
}

export function document(ns: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="${ns}">${body}</Document>`;
}

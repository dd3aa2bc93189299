/**
 * Dependency-free XML for ISO 20022, shared by the bank adapter and the bank sandbox: a tiny builder that escapes
 * everything, and a tolerant tag-extraction parser (namespace prefixes ignored, first match wins).
 */

// ---------- building ----------

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

export function unescapeXml(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);/g, (m, e: string) => {
      if (e === 'lt') return '<';
      if (e === 'gt') return '>';
      if (e === 'amp') return '&';
      if (e === 'apos') return "'";
      if (e === 'quot') return '"';
      const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    });
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

// ---------- parsing ----------

const NAME = (tag: string) => `(?:[A-Za-z_][\\w.-]*:)?${tag}`;

/**
 * Inner XML of every outermost `<Tag>` element (any namespace prefix), in document order. Same-name nesting
 * (`<Id><Othr><Id>…</Id></Othr></Id>`) is matched by depth, so the outer element gets its whole content.
 */
export function blocks(xml: string, tag: string): string[] {
  const re = new RegExp(`<(/?)${NAME(tag)}(?=[\\s/>])([^>]*)>`, 'g');
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (const m of xml.matchAll(re)) {
    const closing = m[1] === '/';
    if (!closing && (m[2] ?? '').trimEnd().endsWith('/')) {
      if (depth === 0) out.push('');
    } else if (!closing) {
      if (depth === 0) start = m.index + m[0].length;
      depth++;
    } else if (depth > 0) {
      depth--;
      if (depth === 0) out.push(xml.slice(start, m.index));
    }
  }
  return out;
}

/** Text of the element reached by a path like `GrpHdr/MsgId`, or undefined. */
export function text(xml: string, path: string): string | undefined {
  const parts = path.split('/');
  let scope: string | undefined = xml;
  for (const part of parts) {
    if (scope === undefined) return undefined;
    scope = blocks(scope, part)[0];
  }
  return scope === undefined ? undefined : unescapeXml(scope.trim());
}

/** Value of `attrName` on the first element reached by `path` (e.g. `Amt/InstdAmt`, `Ccy`). */
export function attr(xml: string, path: string, attrName: string): string | undefined {
  const parts = path.split('/');
  const last = parts.pop();
  if (!last) return undefined;
  let scope: string | undefined = xml;
  for (const part of parts) {
    if (scope === undefined) return undefined;
    scope = blocks(scope, part)[0];
  }
  if (scope === undefined) return undefined;
  const m = new RegExp(`<${NAME(last)}\\s[^>]*?\\b${attrName}\\s*=\\s*["']([^"']*)["']`).exec(scope);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

/** True when the text looks like a well-formed-enough XML document with the given root child. */
export function hasRoot(xml: string, rootChild: string): boolean {
  return /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:[\w.-]+:)?Document[\s>]/.test(xml) && blocks(xml, rootChild).length === 1;
}

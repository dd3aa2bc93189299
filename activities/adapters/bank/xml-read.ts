import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Reading ISO 20022 documents with a real XML parser (fast-xml-parser): comments, CDATA and character references are
 * handled by the parser, and namespaces are resolved properly (default or prefixed, declared on any ancestor), so a
 * path like `GrpHdr/MsgId` matches elements of the document's own namespace only, whatever prefix the sender chose.
 */

/** One element: its namespace URI, local name, attributes (by local name) and the concatenated text it holds. */
export interface XmlElement {
  ns: string | undefined;
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlElement[];
}

/** A parsed ISO 20022 message: the namespace of its `Document` and the message element inside it. */
export interface IsoDocument {
  namespace: string;
  message: XmlElement;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
});

type RawNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const splitName = (qname: string): [prefix: string | undefined, local: string] => {
  const i = qname.indexOf(':');
  return i < 0 ? [undefined, qname] : [qname.slice(0, i), qname.slice(i + 1)];
};

function toElement(raw: RawNode, scope: Map<string | undefined, string>): XmlElement | undefined {
  const qname = Object.keys(raw).find((k) => k !== ':@');
  if (qname === undefined || qname === '#text' || qname.startsWith('?')) return undefined;
  const rawAttrs = raw[':@'] ?? {};
  const inner = new Map(scope);
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns') inner.set(undefined, v);
    else if (k.startsWith('xmlns:')) inner.set(k.slice(6), v);
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs))
    if (k !== 'xmlns' && !k.startsWith('xmlns:')) attrs[splitName(k)[1]] = v;
  const [prefix, name] = splitName(qname);
  const content = (raw[qname] as RawNode[] | undefined) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  for (const c of content) {
    if (typeof c['#text'] === 'string') text += c['#text'];
    const child = toElement(c, inner);
    if (child) children.push(child);
  }
  return { ns: inner.get(prefix), name, attrs, text: text.trim(), children };
}

/**
 * The message element of an ISO 20022 `Document` whose namespace starts with `urn:iso:std:iso:20022:tech:xsd:` +
 * `messagePrefix` (e.g. `camt.054.001.`), or undefined when the text is not well-formed XML, carries a DTD (ISO
 * messages never do; refusing it rules out entity expansion), or is another message.
 */
export function readIsoDocument(xml: string, messagePrefix: string): IsoDocument | undefined {
  if (/<!DOCTYPE/i.test(xml) || XMLValidator.validate(xml) !== true) return undefined;
  let raw: RawNode[];
  try {
    raw = parser.parse(xml) as RawNode[];
  } catch {
    return undefined;
  }
  const roots = raw.map((r) => toElement(r, new Map())).filter((e): e is XmlElement => e !== undefined);
  const doc = roots.length === 1 ? roots[0] : undefined;
  const namespace = doc?.ns;
  if (!doc || doc.name !== 'Document' || !namespace?.startsWith(`urn:iso:std:iso:20022:tech:xsd:${messagePrefix}`))
    return undefined;
  const message = doc.children.filter((c) => c.ns === namespace);
  return message.length === 1 && message[0] ? { namespace, message: message[0] } : undefined;
}

/** Every element reached by a path of local names (`Ntfctn/Ntry`), in document order, in `from`'s namespace. */
export function all(from: XmlElement | undefined, path: string): XmlElement[] {
  if (!from) return [];
  let level = [from];
  for (const step of path.split('/')) {
    level = level.flatMap((e) => e.children.filter((c) => c.name === step && c.ns === from.ns));
  }
  return level;
}

/** The first element reached by `path`, or undefined. */
export function first(from: XmlElement | undefined, path: string): XmlElement | undefined {
  return all(from, path)[0];
}

/** Trimmed text of the first element reached by `path`; undefined when absent or empty. */
export function textAt(from: XmlElement | undefined, path: string): string | undefined {
  const t = first(from, path)?.text;
  return t ? t : undefined;
}

/** Attribute `name` of the first element reached by `path`. */
export function attrAt(from: XmlElement | undefined, path: string, name: string): string | undefined {
  return first(from, path)?.attrs[name];
}

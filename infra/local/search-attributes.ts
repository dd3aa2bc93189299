import type { Client } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SA } from '../../workflows/shared/search-attributes';

const Indexed = temporal.api.enums.v1.IndexedValueType;
const INDEXED: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: Indexed.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.KEYWORD_LIST]: Indexed.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  [SearchAttributeType.TEXT]: Indexed.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.INT]: Indexed.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: Indexed.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: Indexed.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: Indexed.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * Registers the product's search attributes the namespace lacks, and returns their names. The dev server's
 * `--search-attribute` flags register them only when it creates its database: a local stack kept from before an
 * attribute was added (`npm start` persists it in `.data/`) would otherwise refuse every query that names it.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = [...new Map(Object.values(SA).map((k) => [k.name, k])).values()].filter(
    (k) => !(k.name in (customAttributes ?? {})),
  );
  if (missing.length === 0) return [];
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED[k.type]])),
  });
  return missing.map((k) => k.name);
}

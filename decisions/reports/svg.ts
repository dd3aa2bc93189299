/**
 * Charts as server-rendered SVG (no script: the console's policy allows none): horizontal bars with their values
 * written next to them, a title and a description for screen readers, and only presentation attributes (no inline
 * style, which the policy's `style-src 'self'` would drop).
 */
export interface Bar {
  label: string;
  value: number;
  /** What is written after the bar (the value formatted). */
  text: string;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function barChart(o: { id: string; title: string; description: string; bars: readonly Bar[] }): string {
  const rowH = 26;
  const labelW = 220;
  const barW = 420;
  const textW = 160;
  const top = 8;
  const height = top * 2 + Math.max(1, o.bars.length) * rowH;
  const width = labelW + barW + textW;
  const max = Math.max(1, ...o.bars.map((b) => Math.abs(b.value)));
  const rows = o.bars.map((b, i) => {
    const y = top + i * rowH;
    const w = Math.round((Math.abs(b.value) / max) * barW);
    const label = b.label.length > 30 ? `${b.label.slice(0, 29)}…` : b.label;
    return (
      `<g><text x="${labelW - 8}" y="${y + 17}" text-anchor="end" font-size="13" fill="#1a1a1a">${esc(label)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="#1d4ed8"></rect>` +
      `<text x="${labelW + w + 6}" y="${y + 17}" font-size="13" fill="#1a1a1a">${esc(b.text)}</text></g>`
    );
  });
  const empty = o.bars.length
    ? ''
    : `<text x="${labelW}" y="${top + 17}" font-size="13" fill="#1a1a1a">No data in this period</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${o.id}-t ${o.id}-d" ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
    `<title id="${o.id}-t">${esc(o.title)}</title><desc id="${o.id}-d">${esc(o.description)}</desc>` +
    `${rows.join('')}${empty}</svg>`
  );
}

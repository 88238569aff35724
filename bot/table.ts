import type { Reply } from '../commands/index.js';

/** A reply's table as aligned text lines (upper-case header first), for monospace output on every transport. */
export function alignTable(table: NonNullable<Reply['table']>): { header: string; rows: string[] } {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r.cells[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return { header: line(table.columns.map((c) => c.toUpperCase())), rows: table.rows.map((r) => line(r.cells)) };
}

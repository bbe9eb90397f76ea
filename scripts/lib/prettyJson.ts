// Committed JSON as a diff can show it: objects indented, each array of plain numbers, strings or
// booleans on one line (a fixture's tensors would otherwise take a line per number).
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(
    /\[\s*((?:-?[\d.eE+-]+|"[^"\n]*"|true|false|null)(?:,\s*(?:-?[\d.eE+-]+|"[^"\n]*"|true|false|null))*)\s*\]/g,
    // a raw line break is never inside a JSON string: each one here separates two items
    (_, items: string) => `[${items.replace(/,\n\s*/g, ', ')}]`,
  )}\n`;
}

import { visit } from 'jsonc-parser';

/**
 * The first member name that appears twice in one JSON object of `text` (at any depth), or
 * undefined. RFC 7515 §5.2 and RFC 7519 §4 let a consumer either reject such a header or claims
 * set, or take the last value; two parsers taking different values (first wins, last wins) is how
 * `{"sub":"ada","sub":"root"}` means two users, so Gatehouse rejects. Names compare after JSON
 * unescaping (`"s\u0075b"` is `sub`). Call it on text JSON.parse has accepted: jsonc-parser's
 * tolerance of comments and trailing commas never matters then.
 */
export function duplicateMember(text: string): string | undefined {
  const open: Array<Set<string>> = [];
  let found: string | undefined;
  visit(text, {
    onObjectBegin: () => {
      open.push(new Set());
    },
    onObjectEnd: () => {
      open.pop();
    },
    onObjectProperty: (name) => {
      const names = open[open.length - 1];
      if (!names || found !== undefined) return;
      if (names.has(name)) found = name;
      else names.add(name);
    },
  });
  return found;
}

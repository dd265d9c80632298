import { Kind, OperationTypeNode, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * How many root fields the document's largest mutation executes: aliases each count, fragments
 * count as often as they are spread (memoised per fragment, so nested spreads cannot blow up the
 * count's own cost; a cycle counts nothing, validation refuses it anyway). Every Mutation field is an
 * auth mutation (login, refresh, logout, password reset), each stalled and limited.
 */
export function mutationFieldCount(doc: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, number>();
  const inProgress = new Set<string>();

  const countSet = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += 1;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += countSet(s.selectionSet);
      else n += countFragment(s.name.value);
      if (n > Number.MAX_SAFE_INTEGER / 2) return n;
    }
    return n;
  };
  const countFragment = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const f = fragments.get(name);
    if (!f || inProgress.has(name)) return 0;
    inProgress.add(name);
    const n = countSet(f.selectionSet);
    inProgress.delete(name);
    memo.set(name, n);
    return n;
  };

  let max = 0;
  for (const d of doc.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION && d.operation === OperationTypeNode.MUTATION) max = Math.max(max, countSet(d.selectionSet));
  return max;
}

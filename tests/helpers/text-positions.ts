/** Finds `$0`/`$1` markers in a source text: returns the text without them and their LSP positions. */
export function markers(marked: string): { text: string; at: Array<{ line: number; character: number }> } {
  const at: Array<{ line: number; character: number }> = [];
  let text = '';
  const parts = marked.split(/\$(\d)/);
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) {
      at[Number(parts[i])] = positionAt(text, text.length);
    } else text += parts[i];
  }
  return { text, at };
}

export function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

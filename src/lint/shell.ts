// Just enough of sh's word splitting to read build commands for lint: simple commands split
// at control operators, words with quotes removed. `$(...)` and backquotes stay inside one
// word. Anything cleverer (functions, here-docs, eval) is beyond what lint can judge.

/** The simple commands of a shell line, each as its words. */
export function simpleCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      const end = close < 0 ? line.length : close;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length) i++;
        word += line[i];
        i++;
      }
      inWord = true;
    } else if (c === "\\") {
      // A backslash-newline continues the line; otherwise it quotes the next character.
      if (line[i + 1] !== "\n") word += line[i + 1] ?? "";
      if (line[i + 1] !== "\n") inWord = true;
      i++;
    } else if (c === "$" && line[i + 1] === "(") {
      const end = closing(line, i + 1);
      word += line.slice(i, end + 1);
      inWord = true;
      i = end;
    } else if (c === "`") {
      const close = line.indexOf("`", i + 1);
      const end = close < 0 ? line.length : close;
      word += line.slice(i, end + 1);
      inWord = true;
      i = end;
    } else if (c === "#" && !inWord) {
      // A comment runs to the end of the line.
      while (i + 1 < line.length && line[i + 1] !== "\n") i++;
    } else if (";&|\n()".includes(c)) {
      endCommand();
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** Index of the `)` matching the `(` at `open`, or the end of the text. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return text.length - 1;
}

/** The program a simple command runs: past `VAR=value` assignments and `env`/`exec` wrappers. */
export function programOf(words: string[]): { program: string; args: string[] } | undefined {
  let i = 0;
  while (i < words.length) {
    const w = words[i] as string;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || w === "env" || w === "exec" || w === "command") i++;
    else break;
  }
  const program = words[i];
  return program === undefined ? undefined : { program, args: words.slice(i + 1) };
}

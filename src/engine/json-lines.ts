/**
 * Splits the engine's JSON-lines stream into parsed messages, whatever the chunk boundaries
 * (a chunk may end inside a line or inside a UTF-8 sequence: bytes are kept until a newline).
 */
export class JsonLines {
  private pending: Buffer[] = [];

  /** The complete messages this chunk finishes; a partial last line waits for the next chunk. */
  push(chunk: Buffer | string): unknown[] {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const out: unknown[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
      this.pending.push(bytes.subarray(start, nl));
      this.parse(Buffer.concat(this.pending), out);
      this.pending = [];
      start = nl + 1;
    }
    if (start < bytes.length) this.pending.push(bytes.subarray(start));
    return out;
  }

  /** The last message when the stream ends without a newline. */
  end(): unknown[] {
    const out: unknown[] = [];
    this.parse(Buffer.concat(this.pending), out);
    this.pending = [];
    return out;
  }

  private parse(line: Buffer, out: unknown[]): void {
    const text = line.toString("utf8").trim();
    if (text === "") return;
    try {
      out.push(JSON.parse(text));
    } catch {
      throw new SyntaxError(`the engine sent a line that is not JSON: ${text.slice(0, 200)}`);
    }
  }
}

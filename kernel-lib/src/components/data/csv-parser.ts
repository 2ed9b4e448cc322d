/**
 * An incremental CSV reader (RFC 4180: quoted fields may hold commas, quotes written twice and
 * line breaks; CRLF or LF line ends; a UTF-8 byte-order mark is skipped). Text is pushed in
 * chunks as it arrives, so a raw export of millions of reports is read without holding it whole.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  /** A quote seen inside a quoted field: the end of the field, or the first of a doubled quote. */
  private quotePending = false;
  private started = false;
  private fieldStarted = false;

  /** Adds text; returns the records it completed. */
  push(chunk: string): string[][] {
    const out: string[][] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false;
          // fall through: the character after the closing quote is read as unquoted text
        } else if (c === '"') {
          this.quotePending = true;
          continue;
        } else {
          this.field += c;
          continue;
        }
      }
      if (c === '"' && !this.fieldStarted) {
        this.inQuotes = true;
        this.fieldStarted = true;
      } else if (c === ',') {
        this.endField();
      } else if (c === '\n') {
        this.endRecord(out);
      } else if (c === '\r') {
        if (text[i + 1] !== '\n') this.endRecord(out);
      } else {
        this.field += c;
        this.fieldStarted = true;
      }
    }
    return out;
  }

  /** Ends the input; returns the last record if the text did not end with a line break. */
  end(): string[][] {
    const out: string[][] = [];
    if (this.inQuotes && !this.quotePending) {
      throw new SyntaxError('the CSV text ends inside a quoted field');
    }
    this.inQuotes = false;
    this.quotePending = false;
    if (this.fieldStarted || this.record.length > 0) this.endRecord(out);
    return out;
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = '';
    this.fieldStarted = false;
  }

  private endRecord(out: string[][]): void {
    this.endField();
    const record = this.record;
    this.record = [];
    // A blank line is not a record.
    if (!(record.length === 1 && record[0] === '')) out.push(record);
  }
}

/** Parses a whole CSV text into records. */
export function parseCsv(text: string): string[][] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}

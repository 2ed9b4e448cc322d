import { describe, expect, it } from 'vitest';
import { CsvParser, parseCsv } from '../../../kernel-lib/src/components/data/csv-parser';

describe('CsvParser', () => {
  it('reads quoted fields, doubled quotes, CRLF and a byte-order mark', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\r\n\r\n3,z,w';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', ''],
      ['3', 'z', 'w'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = 'id,Date,Location\n1,01/01/2001 12:00:00 AM,"(41.8, -87.6)"\n2,"a""b",x\n';
    const whole = parseCsv(text);
    for (let size = 1; size <= 7; size++) {
      const parser = new CsvParser();
      const records: string[][] = [];
      for (let i = 0; i < text.length; i += size)
        records.push(...parser.push(text.slice(i, i + size)));
      records.push(...parser.end());
      expect(records, `chunks of ${size}`).toEqual(whole);
    }
  });

  it('refuses a text that ends inside a quoted field', () => {
    expect(() => parseCsv('a,b\n1,"open')).toThrow(/inside a quoted field/);
  });
});

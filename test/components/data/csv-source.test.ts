import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BadDataError, SourceError } from '../../../kernel-lib/src/components/data/errors';
import { repairDailySeries } from '../../../kernel-lib/src/components/data/repair';
import { queryCsv } from '../../../kernel-lib/src/components/data/sources/csv-source';
import { startContractServer, type ContractServer } from './support/contract-server';
import { tempDir } from './support/temp';

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TODAY = '2021-06-01';

function write(name: string, text: string): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

async function series(uri: string) {
  const result = await queryCsv({ uri });
  return { result, ...repairDailySeries(result.rows, 'csv', { today: TODAY }) };
}

describe('the csv source', () => {
  it("reads daily totals in the sample's shape, and in day,count order", async () => {
    const expected = [
      { day: '2001-01-01', count: 1821 },
      { day: '2001-01-02', count: 1143 },
    ];
    const sample = write(
      'reports.csv',
      'count,day\n1821,2001-01-01 00:00:00 UTC\n1143,2001-01-02 00:00:00 UTC\n',
    );
    expect((await series(sample)).series).toEqual(expected);
    const swapped = write('d.csv', 'day,count\r\n2001-01-01,1821\r\n2001-01-02,1143');
    expect((await series(pathToFileURL(swapped).href)).series).toEqual(expected);
    const other = write('o.csv', 'date,crime_count\n2001-01-01,1821\n2001-01-02,1143\n');
    const read = await series(other);
    expect(read.series).toEqual(expected);
    expect(read.result.details).toMatchObject({ shape: 'daily totals', records: 2 });
  });

  it("counts report records per day (the portal's export), quoted fields and all", async () => {
    const file = write(
      'export.csv',
      [
        'ID,Case Number,Date,Block,Primary Type,Location',
        '1,HH1,01/01/2001 11:00:00 PM,"001XX W MADISON ST",THEFT,"(41.88, -87.63)"',
        '2,HH2,01/01/2001 12:00:00 AM,"002XX N STATE ST",BATTERY,',
        '3,HH3,01/02/2001 01:15:00 PM,"003XX E ""A"" ST",THEFT,"(41.9, -87.6)"',
        '4,HH4,01/04/2001 09:00:00 AM,X,ASSAULT,',
      ].join('\n'),
    );
    const read = await series(file);
    expect(read.result.details).toMatchObject({ shape: 'report records', records: 4 });
    expect(read.series).toEqual([
      { day: '2001-01-01', count: 2 },
      { day: '2001-01-02', count: 1 },
      { day: '2001-01-03', count: 0 },
      { day: '2001-01-04', count: 1 },
    ]);
    expect(read.repairs.map((r) => r.kind)).toEqual(['missing-days-filled-zero']);
  });

  it('downloads an http(s) URL', async () => {
    server = await startContractServer(() => ({ body: 'count,day\n5,2001-01-01 00:00:00 UTC\n' }));
    expect((await series(`${server.url}/reports.csv`)).series).toEqual([
      { day: '2001-01-01', count: 5 },
    ]);
    await server.close();
    server = await startContractServer(() => ({ status: 404, body: 'no such file' }));
    await expect(queryCsv({ uri: `${server.url}/missing.csv` })).rejects.toThrow(
      /cannot download .*missing\.csv: HTTP 404 no such file/,
    );
  });

  it('says what is wrong with a file it cannot use', async () => {
    await expect(queryCsv({ uri: write('x.csv', 'a,b\n1,2\n') })).rejects.toThrow(
      "the header 'a,b' has neither a day and a count column (daily totals) nor a date column (report records).",
    );
    await expect(queryCsv({ uri: write('e.csv', '') })).rejects.toThrow(/is empty/);
    await expect(queryCsv({ uri: '/no/such/file.csv' })).rejects.toBeInstanceOf(SourceError);
    const bad = await queryCsv({
      uri: write('r.csv', 'ID,Date\n1,01/01/2001 10:00:00 AM\n2,not a date\n'),
    }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadDataError);
    expect((bad as Error).message).toMatch(/record 2: the date 'not a date' cannot be read\.$/);
  });
});

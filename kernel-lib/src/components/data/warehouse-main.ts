/**
 * `pipelab-component warehouse`: brings the embedded warehouse up to date (creates it on first
 * use, then appends the whole days that passed). The engine runs it once a day; running it
 * again the same day does nothing.
 */
import { parseArgs } from 'node:util';
import { parseIsoDay } from './days';
import { QueryUsageError, describeCause } from './errors';
import type { QueryMainIo } from './query-main';
import { defaultWarehousePath } from './warehouse/location';
import { ensureWarehouse } from './warehouse/warehouse';

/** The command's help text. */
export const WAREHOUSE_USAGE = `pipelab-component warehouse [options]

Creates the embedded warehouse if it is missing and appends the days up to yesterday.

  --warehouse <file>   DuckDB file (default: $PIPELAB_WAREHOUSE, else $PIPELAB_HOME/warehouse.duckdb,
                       else ~/.pipelab/warehouse.duckdb)
  --today <YYYY-MM-DD> today's date (default: the current date in Chicago)
  --seed <n>           seed of a warehouse created now (default: 2019)
`;

/**
 * Runs the daily warehouse update from a command line.
 * @returns 0 on success, 1 on failure (after writing the reason to stderr)
 */
export async function warehouseMain(argv: string[], io: QueryMainIo): Promise<number> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  try {
    let values: { warehouse?: string; today?: string; seed?: string; help?: boolean };
    try {
      values = parseArgs({
        args: argv,
        options: {
          warehouse: { type: 'string' },
          today: { type: 'string' },
          seed: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
      }).values;
    } catch (error) {
      throw new QueryUsageError(describeCause(error));
    }
    if (values.help) {
      io.stdout.write(WAREHOUSE_USAGE);
      return 0;
    }
    if (values.today && parseIsoDay(values.today) === undefined) {
      throw new QueryUsageError(
        `--today must be a YYYY-MM-DD day; got '${values.today}'.`,
        'today',
      );
    }
    const seed = values.seed === undefined || values.seed === '' ? undefined : Number(values.seed);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
      throw new QueryUsageError(
        `--seed must be an unsigned 32-bit integer; got '${values.seed}'.`,
        'seed',
      );
    }
    const result = await ensureWarehouse({
      path: values.warehouse || defaultWarehousePath(io.env),
      today: values.today || undefined,
      seed,
      log: out,
    });
    if (result.info) {
      out(
        `warehouse: ${result.path}: ${result.info.firstDay}..${result.info.lastDay}, ` +
          `${result.info.reports} reports` +
          (result.created ? ' (created)' : ` (${result.appendedDays} day(s) added)`),
      );
    }
    return 0;
  } catch (error) {
    io.stderr.write(`warehouse: error: ${describeCause(error)}\n`);
    if (error instanceof QueryUsageError) io.stderr.write(`\n${WAREHOUSE_USAGE}`);
    return 1;
  }
}

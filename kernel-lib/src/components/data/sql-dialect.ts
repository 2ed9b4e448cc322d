/**
 * From the sample's BigQuery SQL to DuckDB's. The pipeline's `query` parameter holds the 2019
 * sample's BigQuery statement; on the embedded warehouse it must run on DuckDB. Only constructs
 * whose meaning is unambiguous are rewritten, so DuckDB SQL passes through unchanged:
 *
 * - the table `` `bigquery-public-data.chicago_crime.crime` `` (quoted or not, with or without
 *   the project) → `crime`; any other backtick-quoted name → a double-quoted identifier
 * - `TIMESTAMP_TRUNC(x, DAY)`, `DATETIME_TRUNC(x, DAY)`, `DATE_TRUNC(x, DAY)` (a bare part as
 *   second argument) → `date_trunc('day', x)`; `WEEK` (Sunday-based in BigQuery) is shifted by a
 *   day so weeks still start on Sunday, `ISOWEEK` → `'week'`
 * - `DATE(x)` → `CAST(x AS DATE)`, `DATE(y, m, d)` → `make_date(y, m, d)`
 * - `EXTRACT(DAYOFWEEK FROM x)` (1 = Sunday) → `(extract(dow FROM x) + 1)`,
 *   `EXTRACT(DAYOFYEAR FROM x)` → `extract(doy FROM x)`
 * - `SAFE_CAST` → `TRY_CAST`; `INT64`, `FLOAT64`, `STRING`, `BOOL`, `NUMERIC` inside casts →
 *   `BIGINT`, `DOUBLE`, `VARCHAR`, `BOOLEAN`, `DECIMAL(38, 9)`
 * - `COUNTIF` → `count_if`; `CURRENT_TIMESTAMP()`, `CURRENT_DATE()` → without parentheses
 * - `#` comments → `--` comments
 */

/** The 2019 sample's query (BigQuery). */
export const SAMPLE_SQL =
  'SELECT count(*) AS count, TIMESTAMP_TRUNC(date, DAY) AS day FROM ' +
  '`bigquery-public-data.chicago_crime.crime` GROUP BY day ORDER BY day';

/** The sample's query in DuckDB's dialect, on the warehouse's `crime` table. */
export const SAMPLE_SQL_DUCKDB =
  "SELECT count(*) AS count, date_trunc('day', date) AS day FROM crime GROUP BY day ORDER BY day";

type TokenKind = 'space' | 'comment' | 'string' | 'identifier' | 'word' | 'number' | 'punct';

interface Token {
  kind: TokenKind;
  text: string;
}

const CRIME_TABLE_PATH = /(?:[A-Za-z][\w-]*\.)?chicago_crime\.crime\b/y;

function tokenize(sql: string, changes: Set<string>): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const take = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const rest = sql.slice(i, i + 2);
    if (/\s/.test(c)) {
      let j = i;
      while (j < sql.length && /\s/.test(sql[j] ?? '')) j++;
      take('space', j);
    } else if (rest === '--' || c === '#') {
      const nl = sql.indexOf('\n', i);
      const end = nl < 0 ? sql.length : nl;
      tokens.push({ kind: 'comment', text: `--${sql.slice(i + (c === '#' ? 1 : 2), end)}` });
      if (c === '#') changes.add('# comment → -- comment');
      i = end;
    } else if (rest === '/*') {
      const close = sql.indexOf('*/', i + 2);
      take('comment', close < 0 ? sql.length : close + 2);
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\' && c !== '`') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      // Double-quoted text is a string in BigQuery and a name in DuckDB: it is left as written.
      take(c === "'" ? 'string' : 'identifier', Math.min(j + 1, sql.length));
    } else if (/[A-Za-z_]/.test(c)) {
      // The unquoted table path (`bigquery-public-data.chicago_crime.crime`) holds hyphens, so
      // it is recognised before words are split; it becomes a quoted name translated below.
      CRIME_TABLE_PATH.lastIndex = i;
      const table = CRIME_TABLE_PATH.exec(sql);
      if (table) {
        tokens.push({ kind: 'identifier', text: `\`${table[0]}\`` });
        i += table[0].length;
        continue;
      }
      let j = i;
      while (j < sql.length && /[\w$]/.test(sql[j] ?? '')) j++;
      take('word', j);
    } else if (/\d/.test(c)) {
      let j = i;
      while (j < sql.length && /[\w.]/.test(sql[j] ?? '')) j++;
      take('number', j);
    } else {
      take('punct', i + 1);
    }
  }
  return tokens;
}

/** Translates a backtick-quoted name: the Chicago table → `crime`, others → "a"."b". */
function translateIdentifier(text: string): string {
  if (!text.startsWith('`')) return text;
  const inner = text.slice(1, -1);
  if (/^(?:[\w-]+\.)?chicago_crime\.crime$/.test(inner)) return 'crime';
  return inner
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

const TRUNC_PARTS = new Set([
  'MICROSECOND',
  'MILLISECOND',
  'SECOND',
  'MINUTE',
  'HOUR',
  'DAY',
  'WEEK',
  'ISOWEEK',
  'MONTH',
  'QUARTER',
  'YEAR',
]);

const CAST_TYPES: Record<string, string> = {
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  STRING: 'VARCHAR',
  BOOL: 'BOOLEAN',
  NUMERIC: 'DECIMAL(38, 9)',
};

/** Index of the `)` closing the `(` at `open`, or -1. */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k];
    if (t?.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth === 0) return k;
  }
  return -1;
}

/** Splits tokens at top-level commas. */
function splitArguments(tokens: Token[]): Token[][] {
  const args: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (t.kind === 'punct' && t.text === ',' && depth === 0) args.push([]);
    else args[args.length - 1]?.push(t);
  }
  return args;
}

function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

function nextSignificant(tokens: Token[], from: number): number {
  let k = from;
  while (k < tokens.length && (tokens[k]?.kind === 'space' || tokens[k]?.kind === 'comment')) k++;
  return k;
}

/** Rewrites one function call (name and argument tokens), or `undefined` to keep it. */
function rewriteCall(name: string, args: Token[][], changes: Set<string>): string | undefined {
  const upper = name.toUpperCase();
  const text = (tokens: Token[]) => render(tokens, changes).trim();
  if (upper === 'TIMESTAMP_TRUNC' || upper === 'DATETIME_TRUNC' || upper === 'DATE_TRUNC') {
    const partTokens = significant(args[1] ?? []);
    const part = partTokens[0]?.text.toUpperCase() ?? '';
    if (args.length !== 2 || partTokens.length !== 1 || !TRUNC_PARTS.has(part)) return undefined;
    const value = text(args[0] ?? []);
    changes.add(`${upper}(x, ${part}) → date_trunc`);
    if (part === 'WEEK') {
      return `(date_trunc('week', (${value}) + INTERVAL 1 DAY) - INTERVAL 1 DAY)`;
    }
    return `date_trunc('${part === 'ISOWEEK' ? 'week' : part.toLowerCase()}', ${value})`;
  }
  if (upper === 'DATE' && (args.length === 1 || args.length === 3)) {
    if (args.length === 1 && significant(args[0] ?? []).length === 0) return undefined;
    changes.add('DATE(...) → CAST/make_date');
    if (args.length === 1) return `CAST(${text(args[0] ?? [])} AS DATE)`;
    return `make_date(${args.map(text).join(', ')})`;
  }
  if (upper === 'EXTRACT' && args.length === 1) {
    const inner = significant(args[0] ?? []);
    const part = inner[0]?.text.toUpperCase();
    if (inner[1]?.text.toUpperCase() !== 'FROM') return undefined;
    const fromIndex = (args[0] ?? []).indexOf(inner[1]);
    const value = text((args[0] ?? []).slice(fromIndex + 1));
    if (part === 'DAYOFWEEK') {
      changes.add('EXTRACT(DAYOFWEEK ...) → extract(dow ...) + 1');
      return `(extract(dow FROM ${value}) + 1)`;
    }
    if (part === 'DAYOFYEAR') {
      changes.add('EXTRACT(DAYOFYEAR ...) → extract(doy ...)');
      return `extract(doy FROM ${value})`;
    }
    return undefined;
  }
  if ((upper === 'CAST' || upper === 'SAFE_CAST') && args.length === 1) {
    const inner = args[0] ?? [];
    const sig = significant(inner);
    const typeToken = sig[sig.length - 1];
    const asToken = sig[sig.length - 2];
    const mapped = typeToken ? CAST_TYPES[typeToken.text.toUpperCase()] : undefined;
    if (upper === 'CAST' && mapped === undefined) return undefined;
    if (upper === 'SAFE_CAST') changes.add('SAFE_CAST → TRY_CAST');
    if (mapped !== undefined && asToken?.text.toUpperCase() === 'AS' && typeToken) {
      changes.add(`${typeToken.text.toUpperCase()} → ${mapped}`);
      const value = text(inner.slice(0, inner.indexOf(asToken)));
      return `${upper === 'SAFE_CAST' ? 'TRY_CAST' : 'CAST'}(${value} AS ${mapped})`;
    }
    return `TRY_CAST(${text(inner)})`;
  }
  if (upper === 'COUNTIF') {
    changes.add('COUNTIF → count_if');
    return `count_if(${args.map(text).join(', ')})`;
  }
  if ((upper === 'CURRENT_TIMESTAMP' || upper === 'CURRENT_DATE') && args.length === 1) {
    if (significant(args[0] ?? []).length > 0) return undefined;
    changes.add(`${upper}() → ${upper.toLowerCase()}`);
    return upper.toLowerCase();
  }
  return undefined;
}

function render(tokens: Token[], changes: Set<string>): string {
  let out = '';
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t === undefined) continue;
    if (t.kind === 'identifier') {
      const translated = translateIdentifier(t.text);
      if (translated !== t.text)
        changes.add(translated === 'crime' ? 'table → crime' : '`name` → "name"');
      out += translated;
      continue;
    }
    if (t.kind === 'word') {
      const open = nextSignificant(tokens, k + 1);
      if (tokens[open]?.kind === 'punct' && tokens[open]?.text === '(') {
        const close = closingParen(tokens, open);
        if (close > open) {
          const args = splitArguments(tokens.slice(open + 1, close));
          const rewritten = rewriteCall(t.text, args, changes);
          if (rewritten !== undefined) {
            out += rewritten;
            k = close;
            continue;
          }
        }
      }
    }
    out += t.text;
  }
  return out;
}

/** A translated statement and what was changed. */
export interface TranslatedSql {
  sql: string;
  /** One line per kind of rewrite made (empty when the SQL was already DuckDB's). */
  changes: string[];
}

/** Translates the known BigQuery constructs of a statement to DuckDB's dialect. */
export function toDuckDbSql(sql: string): TranslatedSql {
  const changes = new Set<string>();
  const tokens = tokenize(sql, changes);
  const out = render(tokens, changes).trim().replace(/;\s*$/, '');
  return { sql: out, changes: [...changes] };
}

function normalise(sql: string): string {
  return sql
    .replace(/`/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .replace(/\s*;\s*$/, '')
    .trim()
    .toLowerCase();
}

/** True when `sql` is the sample's query (in either dialect), up to case, spacing and quoting. */
export function isSampleQuery(sql: string): boolean {
  const n = normalise(sql);
  return n === normalise(SAMPLE_SQL) || n === normalise(SAMPLE_SQL_DUCKDB);
}

/**
 * Splits SQL text into statements the way PostgreSQL's lexer sees them: a `;` inside a string constant
 * ('...', E'...' with backslash escapes, $tag$...$tag$), a quoted identifier or a comment (--, nested /* *\/)
 * does not end a statement. Empty statements are dropped. Used to refuse a fault `sql` that hides a second
 * statement, before anything runs.
 */
export function sqlStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const flush = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (text && !isOnlyComments(text)) out.push(text);
    start = end + 1;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') i = lineEnd(sql, i);
    else if (c === '/' && next === '*') i = commentEnd(sql, i);
    else if (c === "'") i = quotedEnd(sql, i, "'", isEscapeString(sql, i));
    else if (c === '"') i = quotedEnd(sql, i, '"', false);
    else if (c === '$' && dollarTag(sql, i)) {
      const tag = dollarTag(sql, i)!;
      const close = sql.indexOf(tag, i + tag.length);
      i = close < 0 ? sql.length : close + tag.length;
    } else if (c === ';') {
      flush(i);
      i++;
    } else i++;
  }
  flush(sql.length);
  return out;
}

function lineEnd(sql: string, i: number): number {
  const nl = sql.indexOf('\n', i);
  return nl < 0 ? sql.length : nl + 1;
}

/** Block comments nest in PostgreSQL. */
function commentEnd(sql: string, i: number): number {
  let depth = 0;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

function quotedEnd(sql: string, i: number, quote: string, backslashEscapes: boolean): number {
  i++;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return i;
}

/** E'...' (or e'...') takes backslash escapes; a plain '...' does not (standard_conforming_strings). */
function isEscapeString(sql: string, quoteAt: number): boolean {
  const prev = sql[quoteAt - 1];
  return (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_$]/.test(sql[quoteAt - 2] ?? '');
}

/** `$$` or `$tag$` opening a dollar-quoted string (not a positional parameter such as $1). */
function dollarTag(sql: string, i: number): string | undefined {
  if (/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) return undefined;
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
  return m?.[0];
}

function isOnlyComments(text: string): boolean {
  return stripComments(text).trim() === '';
}

function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('--', i)) i = lineEnd(text, i);
    else if (text.startsWith('/*', i)) i = commentEnd(text, i);
    else out += text[i++];
  }
  return out;
}

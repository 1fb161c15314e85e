import type { Ack, RowChange } from './writes.js';

/**
 * The writer's own record of what the server acknowledged, written as it happens, so tests (and auditors)
 * can count lost writes independently of the drill's figures.
 * - ledger-acks.csv: `seq,ackAt,sentAt,target,txid,lsn,serverAt,kind` (epoch ms; the first four columns are
 *   the original format, later ones were added at the end).
 * - workload-changes.csv: `seq,table,op,key,column,value,witnessColumn,witnessValue,keyColumn`, one line per
 *   dataset row an acknowledged write changed (the witness is a value only that write's row has; keyColumn is
 *   set for users' statements, added at the end).
 */
export const ACK_FILE = 'ledger-acks.csv';
export const CHANGE_FILE = 'workload-changes.csv';

export function ackLine(a: Ack): string {
  return `${a.seq},${a.ackAt},${a.sentAt},${a.target},${a.txid},${a.lsn},${a.serverAt},${a.kind}\n`;
}

export function changeLines(a: Ack): string {
  return a.changes
    .map(
      (c) =>
        `${a.seq},${c.table},${c.op},${c.key},${c.column ?? ''},${c.value ?? ''},${c.witness?.column ?? ''},${c.witness?.value ?? ''},${c.keyColumn ?? ''}\n`,
    )
    .join('');
}

export function parseAckFile(text: string): Ack[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [seq, ackAt, sentAt, target, txid, lsn, serverAt, kind] = line.split(',');
      return {
        seq: Number(seq),
        ackAt: Number(ackAt),
        sentAt: Number(sentAt),
        target: Number(target),
        txid: txid ?? '',
        lsn: lsn ?? '',
        serverAt: Number(serverAt ?? NaN),
        kind: kind ?? 'ledger',
        changes: [],
      };
    });
}

/** Changes per write seq, from workload-changes.csv. */
export function parseChangeFile(text: string): Map<number, RowChange[]> {
  const out = new Map<number, RowChange[]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [seq, table, op, key, column, value, witnessColumn, witnessValue, keyColumn] = line.split(',');
    const list = out.get(Number(seq)) ?? [];
    list.push({
      table: table!,
      key: key!,
      ...(keyColumn ? { keyColumn } : {}),
      op: op === 'update' ? 'update' : 'insert',
      ...(column ? { column } : {}),
      ...(value ? { value } : {}),
      ...(witnessColumn ? { witness: { column: witnessColumn, value: witnessValue ?? '' } } : {}),
    });
    out.set(Number(seq), list);
  }
  return out;
}

import { LEDGER_INSERT_CTE, LEDGER_TABLE } from './ledger-table.js';
import type { Ack, PlannedWrite, RowChange, WriteProfile } from './writes.js';

/** The ledger row of write $1 on a mirror, stamped with the first target's clock ($2, epoch ms). */
const MIRROR_LEDGER_CTE = `ledger AS (
  INSERT INTO ${LEDGER_TABLE} (seq, written_at) VALUES ($1, to_timestamp($2::float8 / 1000)) RETURNING seq
)`;

const ledgerOnlyWrite: PlannedWrite = {
  kind: 'ledger',
  sql: `WITH ${LEDGER_INSERT_CTE} SELECT * FROM ledger`,
  params: [],
  changes: () => [],
  mirror: (row) => ({ sql: `WITH ${MIRROR_LEDGER_CTE} SELECT seq FROM ledger`, params: [row.server_ms] }),
};

/** Only the ledger: the cheapest write, for benchmarks and datasets without a write profile. */
export function ledgerOnlyProfile(): WriteProfile {
  return { name: 'ledger', tables: [], next: () => ledgerOnlyWrite, acknowledged: () => {} };
}

const NEW_ORDER_SQL = `WITH ${LEDGER_INSERT_CTE},
  c AS (INSERT INTO customers (email, full_name, country, created_at)
        VALUES ($2, 'Drill Writer', 'DE', clock_timestamp()) RETURNING *),
  o AS (INSERT INTO orders (customer_id, status, total_cents, created_at)
        SELECT id, 'pending', $3::bigint, clock_timestamp() FROM c RETURNING *),
  i AS (INSERT INTO order_items (order_id, sku, quantity, price_cents)
        SELECT o.id, 'SKU-DRILL-' || $1::bigint || '-' || g, 1, o.total_cents / 2 FROM o, generate_series(1, 2) AS g
        RETURNING *),
  p AS (INSERT INTO payments (order_id, amount_cents, method, paid_at)
        SELECT id, total_cents, 'card', clock_timestamp() FROM o RETURNING *)
SELECT ledger.*,
       (SELECT json_build_object('key', id::text, 'witness', email) FROM c) AS customer,
       (SELECT json_build_object('key', id::text, 'witness', created_at::text) FROM o) AS "order",
       (SELECT json_agg(json_build_object('key', id::text, 'witness', sku) ORDER BY id) FROM i) AS items,
       (SELECT json_build_object('key', id::text, 'witness', paid_at::text) FROM p) AS payment,
       (SELECT to_jsonb(c) FROM c) AS customer_row,
       (SELECT to_jsonb(o) FROM o) AS order_row,
       (SELECT jsonb_agg(to_jsonb(i) ORDER BY i.id) FROM i) AS item_rows,
       (SELECT to_jsonb(p) FROM p) AS payment_row
  FROM ledger`;

/** The rows a new order made, with the keys and timestamps the first target gave them. */
const NEW_ORDER_MIRROR_SQL = `WITH ${MIRROR_LEDGER_CTE},
  c AS (INSERT INTO customers SELECT * FROM jsonb_populate_record(NULL::customers, $3::jsonb) RETURNING id),
  o AS (INSERT INTO orders SELECT * FROM jsonb_populate_record(NULL::orders, $4::jsonb) RETURNING id),
  i AS (INSERT INTO order_items SELECT * FROM jsonb_populate_recordset(NULL::order_items, $5::jsonb) RETURNING id),
  p AS (INSERT INTO payments SELECT * FROM jsonb_populate_record(NULL::payments, $6::jsonb) RETURNING id)
SELECT seq FROM ledger`;

const STATUS_UPDATE_SQL = `WITH ${LEDGER_INSERT_CTE},
  u AS (UPDATE orders SET status = $3 WHERE id = $2::bigint AND created_at::text = $4 RETURNING *)
SELECT ledger.*, (SELECT id::text FROM u) AS updated_id,
       (SELECT to_jsonb(u) FROM u) AS order_row,
       (SELECT to_jsonb(cu) FROM customers cu WHERE cu.id = (SELECT customer_id FROM u)) AS customer_row
  FROM ledger`;

/**
 * The order as the first target has it now, whole: the mirror may not hold it yet (written before
 * dual-writes began and not yet backfilled), so it is upserted with its customer, never only updated.
 */
const STATUS_UPDATE_MIRROR_SQL = `WITH ${MIRROR_LEDGER_CTE},
  c AS (INSERT INTO customers SELECT * FROM jsonb_populate_record(NULL::customers, $3::jsonb)
        WHERE $3::jsonb IS NOT NULL ON CONFLICT (id) DO NOTHING RETURNING id),
  o AS (INSERT INTO orders SELECT * FROM jsonb_populate_record(NULL::orders, $4::jsonb) WHERE $4::jsonb IS NOT NULL
        ON CONFLICT (id) DO UPDATE SET (customer_id, status, total_cents, created_at) =
          (EXCLUDED.customer_id, EXCLUDED.status, EXCLUDED.total_cents, EXCLUDED.created_at) RETURNING id)
SELECT seq FROM ledger`;

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

const NEXT_STATUS: Record<string, string> = { pending: 'paid', paid: 'shipped' };

/**
 * The shop's application: a new customer places an order (customer, order, two items and a payment in one
 * transaction), and orders it placed move on (pending → paid → shipped). Every write also inserts its ledger
 * row, so each business change carries the server's stamps.
 */
export function shopProfile(runId: string): WriteProfile {
  // Orders this workload placed and acknowledged, with their last acknowledged status.
  const open: { id: string; createdAt: string; status: string }[] = [];
  return {
    name: 'shop',
    tables: ['customers', 'orders', 'order_items', 'payments'],
    next(seq) {
      const order = seq % 3 === 0 ? open[0] : undefined;
      if (order) {
        const status = NEXT_STATUS[order.status]!;
        return {
          kind: 'status-update',
          sql: STATUS_UPDATE_SQL,
          params: [order.id, status, order.createdAt],
          changes: (row) =>
            typeof row.updated_id === 'string'
              ? [
                  {
                    table: 'orders',
                    key: row.updated_id,
                    op: 'update',
                    witness: { column: 'created_at', value: order.createdAt },
                    column: 'status',
                    value: status,
                  },
                ]
              : [],
          mirror: (row) => ({
            sql: STATUS_UPDATE_MIRROR_SQL,
            params: [row.server_ms, json(row.customer_row), json(row.order_row)],
          }),
        };
      }
      return {
        kind: 'new-order',
        sql: NEW_ORDER_SQL,
        params: [`drill-${seq}-${runId}@example.com`, 1000 + (seq % 97) * 100],
        changes: newOrderChanges,
        mirror: (row) => ({
          sql: NEW_ORDER_MIRROR_SQL,
          params: [
            row.server_ms,
            json(row.customer_row),
            json(row.order_row),
            json(row.item_rows),
            json(row.payment_row),
          ],
        }),
      };
    },
    acknowledged(ack: Ack) {
      for (const c of ack.changes) {
        if (c.table !== 'orders') continue;
        if (c.op === 'insert') open.push({ id: c.key, createdAt: c.witness?.value ?? '', status: 'pending' });
        else {
          const i = open.findIndex((o) => o.id === c.key);
          if (i < 0) continue;
          const moved = { id: c.key, createdAt: open[i]!.createdAt, status: c.value ?? 'pending' };
          open.splice(i, 1);
          if (NEXT_STATUS[moved.status]) open.push(moved);
        }
      }
      // An order whose update found no row (a fault deleted it) is not retried.
      if (ack.kind === 'status-update' && ack.changes.length === 0) open.shift();
    },
  };
}

const WITNESS: Record<string, string> = {
  customers: 'email',
  orders: 'created_at',
  order_items: 'sku',
  payments: 'paid_at',
};

function newOrderChanges(row: Record<string, unknown>): RowChange[] {
  const insert = (table: string, made: unknown): RowChange[] => {
    const { key, witness } = (made ?? {}) as { key?: unknown; witness?: unknown };
    if (typeof key !== 'string' || typeof witness !== 'string') return [];
    return [{ table, key, op: 'insert', witness: { column: WITNESS[table]!, value: witness } }];
  };
  const items = Array.isArray(row.items) ? (row.items as unknown[]) : [];
  return [
    ...insert('customers', row.customer),
    ...insert('orders', row.order),
    ...items.flatMap((item) => insert('order_items', item)),
    ...insert('payments', row.payment),
  ];
}

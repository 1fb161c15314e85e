import { describe, expect, it } from 'vitest';
import { tocForTables } from './dump-toc.js';

const TOC = `;
; Archive created at 2026-11-26 01:20:00 UTC
215; 1259 16386 TABLE public customers postgres
221; 1259 16432 TABLE public payments postgres
220; 1259 16431 SEQUENCE public payments_id_seq postgres
3396; 0 0 SEQUENCE OWNED BY public payments_id_seq postgres
214; 1259 16385 SEQUENCE public customers_id_seq postgres
3215; 2604 16435 DEFAULT public payments id postgres
3386; 0 16432 TABLE DATA public payments postgres
3380; 0 16386 TABLE DATA public customers postgres
3400; 0 0 SEQUENCE SET public payments_id_seq postgres
3233; 2606 16439 CONSTRAINT public payments payments_pkey postgres
3223; 2606 16393 CONSTRAINT public customers customers_pkey postgres
3231; 1259 16445 INDEX public payments_order_id_idx postgres
3225; 1259 16412 INDEX public orders_customer_id_idx postgres
3236; 2606 16440 FK CONSTRAINT public payments payments_order_id_fkey postgres
3234; 2606 16407 FK CONSTRAINT public orders orders_customer_id_fkey postgres`;

const SCHEMA = `ALTER SEQUENCE public.payments_id_seq OWNED BY public.payments.id;
ALTER SEQUENCE public.customers_id_seq OWNED BY public.customers.id;
CREATE INDEX payments_order_id_idx ON public.payments USING btree (order_id);
CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id);`;

describe('a selective restore keeps everything that belongs to the table', () => {
  it('takes the table, its data, owned sequence, default, keys, indexes and foreign keys, nothing else', () => {
    expect(
      tocForTables(TOC, SCHEMA, ['payments'])
        .split('\n')
        .map((l) => l.split(' ').slice(3).join(' ')),
    ).toEqual([
      'TABLE public payments postgres',
      'SEQUENCE public payments_id_seq postgres',
      'SEQUENCE OWNED BY public payments_id_seq postgres',
      'DEFAULT public payments id postgres',
      'TABLE DATA public payments postgres',
      'SEQUENCE SET public payments_id_seq postgres',
      'CONSTRAINT public payments payments_pkey postgres',
      'INDEX public payments_order_id_idx postgres',
      'FK CONSTRAINT public payments payments_order_id_fkey postgres',
    ]);
  });
});

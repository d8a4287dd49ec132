import postgres, { type Sql, type TransactionSql } from 'postgres';

export type Db = Sql;
/** A transaction handle from `db.begin`. */
export type Tx = TransactionSql;

/** The postgres.js client every service shares. Numbers come back as numbers, bigints as strings. */
export function createDb(url: string, options: { max?: number; applicationName?: string } = {}): Db {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'slotwatch' },
  });
}

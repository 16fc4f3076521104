import type Database from "better-sqlite3";

/** Rows per INSERT statement: one call into SQLite per row is what limits ingestion otherwise. */
const ROWS_PER_INSERT = 256;

/**
 * Inserts rows into one table in as few calls as it can: full statements of ROWS_PER_INSERT rows,
 * then the rest one by one. Run it inside a transaction.
 */
export class RowInserter {
  private readonly one: Database.Statement;
  private readonly many: Database.Statement;

  constructor(db: Database.Database, table: string, columns: readonly string[]) {
    const row = `(${columns.map(() => "?").join(", ")})`;
    const into = `INSERT INTO ${table} (${columns.join(", ")}) VALUES`;
    this.one = db.prepare(`${into} ${row}`);
    this.many = db.prepare(`${into} ${Array(ROWS_PER_INSERT).fill(row).join(", ")}`);
  }

  insert(rows: readonly (readonly unknown[])[]): void {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) this.many.run(rows.slice(i, i + ROWS_PER_INSERT).flat());
    for (; i < rows.length; i++) this.one.run(rows[i]);
  }
}

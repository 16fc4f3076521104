import type Database from "better-sqlite3";
import { listSql, type ResourceListQuery } from "./list-query.js";
import { patchSql } from "./patch.js";

/** What a table of resource records is: its name, how a row reads, and which columns change and sort. */
export interface ResourceTableSpec<Row, Rec, Patch extends object, SortBy extends string> {
  readonly table: string;
  readonly fromRow: (row: Row) => Rec;
  /** The column of each field a patch may change. */
  readonly patchColumns: Readonly<Record<keyof Patch & string, string>>;
  /** The patch fields stored as JSON text. */
  readonly jsonColumns: ReadonlySet<keyof Patch & string>;
  readonly sortColumns: Readonly<Record<SortBy, string>>;
}

/**
 * The reads and writes every table of resources keyed by name, with an ARN, a status and the
 * List* query has (tuning and processing jobs): get by name or ARN, patch, list, the unfinished
 * ones, delete. Each store adds its insert.
 */
export class ResourceTable<Row, Rec, Patch extends object, SortBy extends string> {
  constructor(
    protected readonly db: Database.Database,
    private readonly spec: ResourceTableSpec<Row, Rec, Patch, SortBy>,
  ) {}

  /** Whether the name, or the ARN, is already taken. */
  protected taken(name: string, arn: string): boolean {
    return this.db.prepare(`SELECT 1 FROM ${this.spec.table} WHERE name = ? OR arn = ?`).get(name, arn) !== undefined;
  }

  get(name: string): Rec | undefined {
    const row = this.db.prepare(`SELECT * FROM ${this.spec.table} WHERE name = ?`).get(name) as Row | undefined;
    return row && this.spec.fromRow(row);
  }

  getByArn(arn: string): Rec | undefined {
    const row = this.db.prepare(`SELECT * FROM ${this.spec.table} WHERE arn = ?`).get(arn) as Row | undefined;
    return row && this.spec.fromRow(row);
  }

  /** Change the given fields; last_modified_time becomes `time` (now by default). */
  update(name: string, patch: Patch, time = Date.now() / 1000): void {
    const { sql, values } = patchSql(this.spec.table, patch as Partial<Record<keyof Patch & string, unknown>>, this.spec.patchColumns, this.spec.jsonColumns, time);
    this.db.prepare(sql).run(...values, name);
  }

  list(q: ResourceListQuery<SortBy, string>): Rec[] {
    const { sql, values } = listSql(this.spec.table, q, this.spec.sortColumns);
    return (this.db.prepare(sql).all(...values) as Row[]).map(this.spec.fromRow);
  }

  /** Those still running or stopping (to go on after a restart), oldest first. */
  unfinished(): Rec[] {
    const sql = `SELECT * FROM ${this.spec.table} WHERE status IN ('InProgress', 'Stopping') ORDER BY creation_time, name`;
    return (this.db.prepare(sql).all() as Row[]).map(this.spec.fromRow);
  }

  /** Delete the record; what references it by foreign key (a processing job's log streams) goes with it. */
  delete(name: string): void {
    this.db.prepare(`DELETE FROM ${this.spec.table} WHERE name = ?`).run(name);
  }
}

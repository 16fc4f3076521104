/**
 * The List* operations' query over a table of resources (training, tuning and processing jobs): SageMaker's
 * filters (NameContains, StatusEquals, the time ranges), its sort and an offset page, as SQL.
 */
export interface ResourceListQuery<SortBy extends string, Status extends string> {
  readonly nameContains?: string;
  readonly statusEquals?: Status;
  readonly creationTimeAfter?: number;
  readonly creationTimeBefore?: number;
  readonly lastModifiedTimeAfter?: number;
  readonly lastModifiedTimeBefore?: number;
  readonly sortBy: SortBy;
  readonly sortOrder: "Ascending" | "Descending";
  readonly offset: number;
  readonly limit: number;
}

/** `SELECT * FROM table WHERE ... ORDER BY ... LIMIT ? OFFSET ?` and its values. */
export function listSql<SortBy extends string>(
  table: string,
  q: ResourceListQuery<SortBy, string>,
  sortColumns: Readonly<Record<SortBy, string>>,
): { sql: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const clauses: [unknown, string][] = [
    [q.nameContains, "instr(lower(name), lower(?)) > 0"],
    [q.statusEquals, "status = ?"],
    [q.creationTimeAfter, "creation_time > ?"],
    [q.creationTimeBefore, "creation_time < ?"],
    [q.lastModifiedTimeAfter, "last_modified_time > ?"],
    [q.lastModifiedTimeBefore, "last_modified_time < ?"],
  ];
  for (const [value, clause] of clauses) {
    if (value === undefined) continue;
    where.push(clause);
    values.push(value);
  }
  const dir = q.sortOrder === "Ascending" ? "ASC" : "DESC";
  const sql =
    `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ` +
    `ORDER BY ${sortColumns[q.sortBy]} ${dir}, name ${dir} LIMIT ? OFFSET ?`;
  return { sql, values: [...values, q.limit, q.offset] };
}

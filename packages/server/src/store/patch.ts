/**
 * A resource record's patch as SQL, for every table of resources (training, tuning and processing
 * jobs): the given fields change, JSON ones stored as text, and last_modified_time becomes `time`.
 */
export function patchSql<Key extends string>(
  table: string,
  patch: Partial<Record<Key, unknown>>,
  columns: Readonly<Record<Key, string>>,
  jsonKeys: ReadonlySet<Key>,
  time: number,
): { sql: string; values: unknown[] } {
  const sets = ["last_modified_time = ?"];
  const values: unknown[] = [time];
  for (const [key, value] of Object.entries(patch) as [Key, unknown][]) {
    sets.push(`${columns[key]} = ?`);
    values.push(jsonKeys.has(key) ? (value === null || value === undefined ? null : JSON.stringify(value)) : value);
  }
  return { sql: `UPDATE ${table} SET ${sets.join(", ")} WHERE name = ?`, values };
}

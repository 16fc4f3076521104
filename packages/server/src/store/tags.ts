import type Database from "better-sqlite3";

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/**
 * Tags by resource ARN, for every kind of resource the control plane has (training jobs today).
 * A resource's tags keep the order they were first added in; adding a key it has already
 * overwrites the value in place, as AddTags does.
 */
export class TagStore {
  constructor(private readonly db: Database.Database) {}

  /** The resource's tags, in the order they were added. */
  list(arn: string): Tag[] {
    return (this.db.prepare("SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY seq").all(arn) as { key: string; value: string }[]).map(
      (r) => ({ Key: r.key, Value: r.value }),
    );
  }

  /** How many tags the resource would have after adding these keys. */
  countAfterAdding(arn: string, keys: readonly string[]): number {
    const have = new Set(this.list(arn).map((t) => t.Key));
    for (const key of keys) have.add(key);
    return have.size;
  }

  /** Adds or overwrites; a key given twice keeps its last value. */
  add(arn: string, tags: readonly Tag[]): void {
    if (tags.length === 0) return;
    this.db.transaction(() => {
      let next = (this.db.prepare("SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM tags WHERE resource_arn = ?").get(arn) as { seq: number }).seq;
      const update = this.db.prepare("UPDATE tags SET value = ? WHERE resource_arn = ? AND key = ?");
      const insert = this.db.prepare("INSERT INTO tags (resource_arn, key, value, seq) VALUES (?, ?, ?, ?)");
      for (const tag of tags) {
        if (update.run(tag.Value, arn, tag.Key).changes === 0) insert.run(arn, tag.Key, tag.Value, next++);
      }
    })();
  }

  /** Removes these keys; keys the resource does not have are ignored. */
  delete(arn: string, keys: readonly string[]): void {
    const remove = this.db.prepare("DELETE FROM tags WHERE resource_arn = ? AND key = ?");
    this.db.transaction(() => {
      for (const key of keys) remove.run(arn, key);
    })();
  }

  /** Every tag of the resource (when the resource itself goes). */
  clear(arn: string): void {
    this.db.prepare("DELETE FROM tags WHERE resource_arn = ?").run(arn);
  }
}

/**
 * A List* request's filters, sort and page as the store's query: one reading of NameContains,
 * StatusEquals, the time ranges, SortBy/SortOrder (each operation's own defaults), MaxResults and
 * NextToken, for every resource kind. The query asks for one row more than a page, so that the
 * handler knows whether to answer a NextToken (`page`).
 */
import type { ResourceListQuery } from "../store/list-query.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

const seconds = (v: unknown) => (typeof v === "number" ? v : undefined);

export function listQueryOf<SortBy extends string, Status extends string>(
  input: Record<string, unknown>,
  defaults: { readonly sortBy: SortBy; readonly sortOrder: "Ascending" | "Descending"; readonly maxResults: number },
): ResourceListQuery<SortBy, Status> & { readonly pageSize: number } {
  const pageSize = typeof input.MaxResults === "number" ? input.MaxResults : defaults.maxResults;
  const times = {
    creationTimeAfter: seconds(input.CreationTimeAfter),
    creationTimeBefore: seconds(input.CreationTimeBefore),
    lastModifiedTimeAfter: seconds(input.LastModifiedTimeAfter),
    lastModifiedTimeBefore: seconds(input.LastModifiedTimeBefore),
  };
  return {
    ...(typeof input.NameContains === "string" ? { nameContains: input.NameContains } : {}),
    ...(typeof input.StatusEquals === "string" ? { statusEquals: input.StatusEquals as Status } : {}),
    ...Object.fromEntries(Object.entries(times).filter(([, v]) => v !== undefined)),
    sortBy: (input.SortBy as SortBy | undefined) ?? defaults.sortBy,
    sortOrder: (input.SortOrder as "Ascending" | "Descending" | undefined) ?? defaults.sortOrder,
    offset: decodePageToken(input.NextToken),
    limit: pageSize + 1,
    pageSize,
  };
}

/** A page of the rows a listQueryOf query found, and the NextToken when there are more. */
export function page<T>(rows: readonly T[], query: { readonly offset: number; readonly pageSize: number }): { rows: T[]; nextToken?: string } {
  return {
    rows: rows.slice(0, query.pageSize),
    ...(rows.length > query.pageSize ? { nextToken: encodePageToken(query.offset + query.pageSize) } : {}),
  };
}

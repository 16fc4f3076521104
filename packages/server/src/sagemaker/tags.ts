/**
 * AddTags, ListTags and DeleteTags: for every resource the control plane has (training jobs
 * today), by ARN. Thin handlers over the control plane, which keeps tags in the store.
 */
import type { ControlPlane } from "../control-plane.js";
import type { Handler } from "../protocol/types.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { validateAddTags, validateDeleteTags, validateListTags } from "./validate.js";

/** ListTags' page size when MaxResults is not given (its least allowed value). */
export const DEFAULT_LIST_TAGS_MAX_RESULTS = 50;

export function tagHandlers(cp: ControlPlane): Record<string, Handler> {
  return {
    AddTags: (input) => {
      const { arn, tags } = validateAddTags(input);
      cp.addTags(arn, tags);
      // AWS answers with the tags of the request.
      return { Tags: tags };
    },
    ListTags: (input) => {
      const arn = validateListTags(input);
      const limit = typeof input.MaxResults === "number" ? input.MaxResults : DEFAULT_LIST_TAGS_MAX_RESULTS;
      const offset = decodePageToken(input.NextToken);
      const all = cp.listTags(arn);
      const end = offset + limit;
      return { Tags: all.slice(offset, end), ...(all.length > end ? { NextToken: encodePageToken(end) } : {}) };
    },
    DeleteTags: (input) => {
      const { arn, keys } = validateDeleteTags(input);
      cp.deleteTags(arn, keys);
      return {};
    },
  };
}

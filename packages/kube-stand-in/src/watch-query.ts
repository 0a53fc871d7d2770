/**
 * The query of a watch (`?watch=true&fieldSelector=…&labelSelector=…&resourceVersion=…`), as the stand-in reads it.
 * Pure.
 */

import { parseLabelSelector, type Requirement } from './label-selector.js';

export interface WatchQuery {
  /** Only the object of this name (`fieldSelector=metadata.name=X`). */
  name?: string | undefined;
  labels: Requirement[];
  /** Changes after this revision; undefined (or `0`): the objects there are now as ADDED, then the changes. */
  resourceVersion?: number | undefined;
  /** How long the watch stays open before the server ends it. */
  timeoutSeconds: number;
}

// The API server ends a watch after a random 30 to 60 minutes unless asked otherwise; the stand-in after 30.
const DEFAULT_TIMEOUT_SECONDS = 1800;

/** The watch the query asks for, or an error message (what a 400 says). */
export function parseWatchQuery(params: URLSearchParams): WatchQuery | string {
  const labels = parseLabelSelector(params.get('labelSelector') ?? '');
  if (typeof labels === 'string') return labels;
  let name: string | undefined;
  for (const part of (params.get('fieldSelector') ?? '').split(',')) {
    const term = part.trim();
    if (term === '') continue;
    const match = /^metadata\.name\s*==?\s*(\S*)$/.exec(term);
    if (!match)
      return `unable to parse field selector "${term}": the stand-in takes only metadata.name=<name>`;
    name = match[1]!;
  }
  const version = params.get('resourceVersion') ?? '';
  let resourceVersion: number | undefined;
  if (version !== '' && version !== '0') {
    if (!/^\d+$/.test(version))
      return `invalid resource version "${version}": it is a number the server gave`;
    resourceVersion = Number(version);
  }
  const timeout = params.get('timeoutSeconds') ?? '';
  if (timeout !== '' && !/^\d+$/.test(timeout))
    return `invalid timeoutSeconds "${timeout}": a whole number of seconds`;
  const timeoutSeconds = timeout === '' || timeout === '0' ? DEFAULT_TIMEOUT_SECONDS : Number(timeout);
  return { name, labels, resourceVersion, timeoutSeconds };
}

import { z } from 'zod';

/** A tool of the "many tools" mode: a realistic name, description and input schema; the handler echoes. */
export interface GeneratedTool {
  name: string;
  description: string;
  inputSchema: z.ZodObject;
}

const RESOURCES = [
  ['issue', 'an issue in a repository'],
  ['pull_request', 'a pull request'],
  ['repository', 'a repository'],
  ['file', 'a file in a repository'],
  ['comment', 'a comment on an issue or pull request'],
  ['label', 'a label'],
  ['milestone', 'a milestone'],
  ['branch', 'a branch'],
  ['release', 'a release'],
  ['workflow_run', 'a CI workflow run'],
] as const;

const owner = z.string().describe('Account that owns the repository, e.g. "octo-org".');
const repo = z.string().describe('Repository name without the owner, e.g. "hello-world".');
const id = z.number().int().positive().describe('Numeric identifier of the item.');

const VERBS = [
  {
    verb: 'list',
    describe: (what: string) =>
      `List ${what.replace(/^an? /, '')}s, newest first. Use the filters to narrow the result and the page parameters to walk through long lists.`,
    shape: () => ({
      owner,
      repo,
      state: z.enum(['open', 'closed', 'all']).default('open').describe('Filter by state.'),
      sort: z.enum(['created', 'updated', 'name']).optional().describe('Sort key.'),
      per_page: z.number().int().min(1).max(100).default(30).describe('Results per page (1-100).'),
      page: z.number().int().min(1).default(1).describe('Page number, starting at 1.'),
    }),
  },
  {
    verb: 'get',
    describe: (what: string) => `Get ${what} by its identifier, with all of its fields.`,
    shape: () => ({ owner, repo, id }),
  },
  {
    verb: 'create',
    describe: (what: string) =>
      `Create ${what}. Returns the created item with its identifier and URL. Fails if the caller lacks write access.`,
    shape: () => ({
      owner,
      repo,
      title: z.string().min(1).max(256).describe('Short title.'),
      body: z.string().optional().describe('Markdown body.'),
      labels: z.array(z.string()).optional().describe('Label names to apply.'),
      assignees: z.array(z.string()).optional().describe('Logins of the people to assign.'),
    }),
  },
  {
    verb: 'update',
    describe: (what: string) => `Update fields of ${what}. Only the fields given are changed.`,
    shape: () => ({
      owner,
      repo,
      id,
      title: z.string().optional().describe('New title.'),
      body: z.string().optional().describe('New Markdown body.'),
      state: z.enum(['open', 'closed']).optional().describe('New state.'),
    }),
  },
  {
    verb: 'delete',
    describe: (what: string) => `Delete ${what}. This cannot be undone.`,
    shape: () => ({
      owner,
      repo,
      id,
      confirm: z.boolean().describe('Must be true; guards against accidental deletion.'),
    }),
  },
  {
    verb: 'search',
    describe: (what: string) =>
      `Search ${what.replace(/^an? /, '')}s with a query string in the provider's search syntax, e.g. "is:open author:octocat".`,
    shape: () => ({
      query: z.string().min(1).describe('Search query.'),
      order: z.enum(['asc', 'desc']).default('desc').describe('Order of results.'),
      per_page: z.number().int().min(1).max(100).default(30).describe('Results per page (1-100).'),
    }),
  },
] as const;

/** `count` tools: every verb over every resource (60 combinations), numbered beyond that. */
export function generateTools(count: number): GeneratedTool[] {
  const tools: GeneratedTool[] = [];
  for (let index = 0; index < count; index += 1) {
    const [resource, what] = RESOURCES[index % RESOURCES.length]!;
    const round = Math.floor(index / RESOURCES.length);
    const verb = VERBS[round % VERBS.length]!;
    const suffix = index < RESOURCES.length * VERBS.length ? '' : `_${Math.floor(round / VERBS.length)}`;
    tools.push({
      name: `${verb.verb}_${resource}${suffix}`,
      description: verb.describe(what),
      inputSchema: z.object(verb.shape()),
    });
  }
  return tools;
}

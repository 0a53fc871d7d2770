// Workspace packages export their TypeScript source under the `@codexec/source` condition, so tests run against
// source without a prior build. Only the dist tests import built files, by path.
//
// Vitest hands the server-side conditions to its workers as `node --conditions`, where they also apply to
// `require()` inside dependencies: `import` must not be among them (express's router would get is-promise's ES
// module namespace instead of its function), so these are Vite's defaults plus the source condition.
const conditions = ['@codexec/source', 'module', 'node', 'development|production'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@codexec/source', 'node'] } },
};

// Workspace packages export their TypeScript source under the `@codexec/source` condition, so tests run against
// source without a prior build. Only the dist tests import built files, by path.
const conditions = ['@codexec/source', 'node', 'import', 'default'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
};

import { packageBuild } from '../../tsup.shared.js';

// cli.ts keeps its `#!/usr/bin/env node` line, so dist/cli.js runs as the package's bin.
export default packageBuild({ entry: ['src/index.ts', 'src/cli.ts'], dts: { entry: 'src/index.ts' } });

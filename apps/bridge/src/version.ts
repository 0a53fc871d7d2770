import packageJson from '../package.json' with { type: 'json' };

/** The bridge's version, from its package.json (inlined at build time). */
export const VERSION: string = packageJson.version;
export const PACKAGE_NAME: string = packageJson.name;

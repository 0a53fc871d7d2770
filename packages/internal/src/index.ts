/**
 * What more than one package needs, written once. Private: each published package bundles the parts it uses at
 * build time (tsup `noExternal`), so no package depends on this one at run time and none of its types appear in a
 * published declaration file.
 */
export { linkedSignal, onAbort, untilAborted } from './abort.js';
export { messageOf } from './errors.js';
export { formatBytes, formatDuration } from './format.js';
export { ByteTail, LineTail } from './tail.js';

export {
  type ChannelClosed,
  type ChannelSide,
  FrameChannel,
  type FrameChannelOptions,
  type IncomingFrame,
  type ListenedFrame,
  type OutgoingFrame,
  type RequestOptions,
  type SentMethods,
  type ServedMethods,
} from './channel.js';
export {
  type DecodeEvent,
  type DecoderDirection,
  decodeFrames,
  FrameDecoder,
  type FrameDecoderOptions,
  FrameDecodeStream,
  type FrameOf,
} from './decoder.js';
export { encodeFrame } from './encoder.js';
export {
  type DecodeErrorCode,
  FrameProtocolError,
  type FrameProtocolErrorCode,
  type FrameProtocolErrorOptions,
  isFrameProtocolError,
} from './errors.js';
export * from './frames.js';
export { checkHello } from './handshake.js';
export type { RequestContext, RequestHandler } from './incoming-requests.js';
export type { Logger } from './logger.js';
export * from './methods.js';

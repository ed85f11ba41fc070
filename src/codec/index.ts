// The codec's public surface: re-exports only.
export * from './types';
export { encodePacket, encodedLength } from './encode';
export { Encoder } from './encoder';
export type { EncoderMark, EncoderOptions } from './encoder';
export { decodePacket } from './decode';
export { FrameDecoder } from './frame-decoder';
export type { FrameDecoderOptions, FrameDecoderResult } from './frame-decoder';
export {
  ReasonCode,
  reasonCodeName,
  isReasonCodeAllowed,
  connackReturnCodeToReasonCode,
  reasonCodeToConnackReturnCode,
} from './reason-codes';
export type { ReasonCodeName } from './reason-codes';

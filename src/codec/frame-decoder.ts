import type { MalformedPacketError } from '../errors';
import type { Packet, ProtocolVersion } from './types';

export interface FrameDecoderOptions {
  protocolVersion: ProtocolVersion;
  /** Largest whole packet accepted, fixed header included. Default 268,435,460. */
  maximumPacketSize?: number;
}

export interface FrameDecoderResult {
  packets: Packet[];
  error?: MalformedPacketError;
}

/** (stub) */
export class FrameDecoder {
  protocolVersion: ProtocolVersion;
  readonly maximumPacketSize: number;
  constructor(options: FrameDecoderOptions) {
    this.protocolVersion = options.protocolVersion;
    this.maximumPacketSize = options.maximumPacketSize ?? 268_435_460;
  }
  push(chunk: Uint8Array): FrameDecoderResult {
    void chunk;
    return { packets: [] };
  }
}

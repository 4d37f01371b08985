// A minimal protobuf wire-format cursor over a byte buffer, for decoding hot
// requests without materialising messages. It throws on malformed input.

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class MalformedMessageError extends Error {}

export class ProtoReader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;

  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint of up to 53 bits: a field's value; tags and lengths go through uint32. */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedMessageError("truncated varint");
      const b = this.buf[this.pos++]!;
      if (i < 8) result += (b & 0x7f) * shift;
      shift *= 128;
      if (b < 0x80) return result;
    }
    throw new MalformedMessageError("varint longer than 10 bytes");
  }

  /**
   * A varint that must fit in 32 unsigned bits: a tag or a length. varint
   * drops the bits past 2^56, which read a length of 13 + 2^56 as 13.
   */
  uint32(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedMessageError("truncated varint");
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      shift *= 128;
      if (b < 0x80) {
        if (result > 0xffff_ffff) break;
        return result;
      }
    }
    throw new MalformedMessageError("a tag or a length over 32 bits");
  }

  /** A field's tag; field number 0 is not a field. */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) throw new MalformedMessageError("field number 0");
    return tag;
  }

  /** An int32 field (enum values): the low 32 bits of the varint, signed. */
  int32(): number {
    let result = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedMessageError("truncated varint");
      const b = this.buf[this.pos++]!;
      if (i < 5) result |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return result | 0;
    }
    throw new MalformedMessageError("varint longer than 10 bytes");
  }

  /** Reads a length prefix and returns the end of the delimited bytes; `pos` is their start. */
  lengthDelimited(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) throw new MalformedMessageError("length-delimited field runs past the end");
    return end;
  }

  /** A length-delimited field's bytes as [start, end) in `out`, read past. */
  span(out: { start: number; end: number }): void {
    const end = this.lengthDelimited();
    out.start = this.pos;
    out.end = end;
    this.pos = end;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.pos = this.lengthDelimited();
        return;
      case WIRE_I32:
        this.advance(4);
        return;
      default:
        throw new MalformedMessageError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new MalformedMessageError("truncated fixed-width field");
    this.pos += n;
  }
}

// The bytes of an export file on their way out, cut into chunks of about
// CHUNK_BYTES: one stream message each, small enough to keep memory flat
// and large enough that per-message costs stay negligible.

export const CHUNK_BYTES = 64 * 1024;

export class ChunkQueue {
  private parts: Buffer[] = [];
  private bytes = 0;

  push(part: Buffer): void {
    if (part.length === 0) return;
    this.parts.push(part);
    this.bytes += part.length;
  }

  /** A chunk of at least CHUNK_BYTES, or with `rest` whatever is queued; undefined when there is none. */
  take(rest = false): Buffer | undefined {
    if (this.bytes === 0 || (!rest && this.bytes < CHUNK_BYTES)) return undefined;
    const chunk = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return chunk;
  }
}

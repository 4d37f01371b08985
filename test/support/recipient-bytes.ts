// Recipients laid end to end as a FilterBatch request's bytes hold them,
// with the spans the batch decoder would give: for unit tests of the keying.

export function recipientBytes(recipients: string[]): { src: Buffer; spans: Int32Array } {
  const parts = recipients.map((r) => Buffer.from(r, "utf8"));
  const spans = new Int32Array(2 * recipients.length);
  let at = 0;
  parts.forEach((p, i) => {
    spans[2 * i] = at;
    spans[2 * i + 1] = at + p.length;
    at += p.length;
  });
  return { src: Buffer.concat(parts), spans };
}

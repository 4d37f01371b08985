import { describe, expect, it } from "vitest";
import { withIdleLimit } from "./idle-limit.js";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("withIdleLimit", () => {
  it("passes a stream that keeps coming through whole", async () => {
    async function* steady() {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield i;
      }
    }
    expect(await collect(withIdleLimit(steady(), 100, "the upload"))).toEqual([0, 1, 2, 3, 4]);
  });

  it("fails a stream whose first item never comes, and one that stalls later", async () => {
    async function* stalls(first: boolean) {
      if (!first) yield 1;
      await new Promise(() => undefined);
    }
    await expect(collect(withIdleLimit(stalls(true), 50, "the upload"))).rejects.toMatchObject({ code: "deadline_exceeded", message: "no data for 0.05 s: the upload was dropped" });
    await expect(collect(withIdleLimit(stalls(false), 50, "the upload"))).rejects.toThrow("no data for 0.05 s");
  });
});

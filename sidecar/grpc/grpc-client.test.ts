// The client's deadline for unary calls: a server that takes the
// connection and never answers fails the call, rather than hang it.

import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FilterService } from "../gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../gen/dnc/v1/types_pb.js";
import { GrpcClient } from "./grpc-client.js";

describe("GrpcClient", () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let address: string;

  beforeAll(async () => {
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });

  it("gives up on a unary call at its deadline when the server never answers", async () => {
    const client = new GrpcClient(address, { unaryDeadlineMs: 300 });
    const started = Date.now();
    const err = (await client.call(FilterService.method.check, { request: { recipient: "+447700900123", channel: Channel.SMS } }).catch((e: unknown) => e)) as {
      code: number;
    };
    client.close();
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

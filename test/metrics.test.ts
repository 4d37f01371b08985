// /metrics on the admin HTTP port: strict Prometheus text, and numbers that
// move with real FilterService traffic over a real gRPC socket.

import { Metadata } from "@grpc/grpc-js";
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import type { Sidecar } from "../sidecar/sidecar.js";
import { parsePrometheusText, sampleValue, type Family } from "./support/prometheus-text.js";
import { tempDir } from "./support/temp-dir.js";
import { startLoopbackSidecar } from "./support/test-sidecar.js";

const TOKEN = "metrics-test-admin-token";

describe("/metrics", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;

  const scrape = async (): Promise<Map<string, Family>> => {
    const res = await fetch(`http://127.0.0.1:${sidecar.httpPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  };

  beforeAll(async () => {
    sidecar = await startLoopbackSidecar(dir.path, TOKEN, { maxBatch: 500 });
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`);
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${TOKEN}`);
    await client.call(
      AdminService.method.addEntries,
      { entries: [{ contact: "+447700900123" }, { contact: "+12015550123", channel: Channel.SMS }, { contact: "jane@example.com", channel: Channel.EMAIL }] },
      metadata,
    );
  });

  afterAll(async () => {
    client.close();
    await sidecar.stop(1000);
    dir.remove();
  });

  it("parses as Prometheus text and declares every family the sidecar exports", async () => {
    const families = await scrape();
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      dnc_filter_calls_total: "counter",
      dnc_filter_call_duration_seconds: "histogram",
      dnc_recipients_checked_total: "counter",
      dnc_recipients_blocked_total: "counter",
      dnc_recipients_invalid_total: "counter",
      dnc_store_entries: "gauge",
      dnc_index_bytes: "gauge",
      dnc_index_key_file_bytes: "gauge",
      process_cpu_user_seconds_total: "counter",
      nodejs_heap_size_used_bytes: "gauge",
    });
    for (const f of families.values()) expect(f.help, f.name).not.toBe("");
    expect(sampleValue(families, "dnc_store_entries")).toBe(3);
    expect(sampleValue(families, "dnc_index_bytes")).toBeGreaterThan(0);
    // The three contacts' keys and offsets, in files: the gauge is their size on disk.
    const keyFiles = ["contact-keys.arena", "contact-keys.offsets"].map((f) => statSync(join(dir.path, f)).size);
    expect(sampleValue(families, "dnc_index_key_file_bytes")).toBe(keyFiles[0]! + keyFiles[1]!);
    expect(sampleValue(families, "dnc_filter_calls_total", { method: "FilterBatch", code: "OK" })).toBe(0);
  });

  it("counts FilterBatch and Check calls, their latency, and recipients per channel", async () => {
    const before = await scrape();
    const value = (f: Map<string, Family>, name: string, labels: Record<string, string>) => sampleValue(f, name, labels) ?? 0;

    for (let i = 0; i < 3; i++) {
      // One allowed, one blocked (everywhere), one blocked on SMS, one not a number.
      await client.call(FilterService.method.filterBatch, { channel: Channel.SMS, sender: "ACME", recipients: ["+447700900999", "+447700900123", "+12015550123", "nope"] });
    }
    await client.call(FilterService.method.filterBatch, { channel: Channel.EMAIL, recipients: ["jane@example.com", "joe@example.com"] });
    await client.call(FilterService.method.check, { request: { recipient: "+447700900123", channel: Channel.VOICE } });
    await client.call(FilterService.method.filterBatch, { channel: 99 as Channel, recipients: ["+447700900999"] }).catch(() => undefined);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);

    expect(delta("dnc_filter_calls_total", { method: "FilterBatch", code: "OK" })).toBe(4);
    expect(delta("dnc_filter_calls_total", { method: "FilterBatch", code: "INVALID_ARGUMENT" })).toBe(1);
    expect(delta("dnc_filter_calls_total", { method: "Check", code: "OK" })).toBe(1);
    expect(delta("dnc_filter_call_duration_seconds_count", { method: "FilterBatch" })).toBe(5);
    expect(delta("dnc_filter_call_duration_seconds_count", { method: "Check" })).toBe(1);
    expect(delta("dnc_filter_call_duration_seconds_sum", { method: "FilterBatch" })).toBeGreaterThan(0);
    // Each well under a second: in the bucket of 1 s and every one above it (the reader checks they add up).
    expect(delta("dnc_filter_call_duration_seconds_bucket", { method: "FilterBatch", le: "1" })).toBe(5);
    expect(delta("dnc_filter_call_duration_seconds_bucket", { method: "Check", le: "1" })).toBe(1);

    expect(delta("dnc_recipients_checked_total", { channel: "sms" })).toBe(12);
    expect(delta("dnc_recipients_blocked_total", { channel: "sms" })).toBe(6);
    expect(delta("dnc_recipients_invalid_total", { channel: "sms" })).toBe(3);
    expect(delta("dnc_recipients_checked_total", { channel: "email" })).toBe(2);
    expect(delta("dnc_recipients_blocked_total", { channel: "email" })).toBe(1);
    expect(delta("dnc_recipients_checked_total", { channel: "voice" })).toBe(1);
    expect(delta("dnc_recipients_blocked_total", { channel: "voice" })).toBe(1);
  });
});

// Clients for the standard gRPC services, built from their own .proto files
// with proto-loader, as a generic gRPC tool would.

import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const healthProto = join(dirname(require.resolve("grpc-health-check/package.json")), "proto/health/v1/health.proto");
const reflectionProto = join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto/grpc/reflection/v1/reflection.proto");

type Ctor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client;

function load(path: string, service: string): Ctor {
  const pkg = loadPackageDefinition(loadSync(path, { keepCase: true, enums: String, defaults: true })) as Record<string, unknown>;
  return service.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], pkg) as Ctor;
}

export function healthCheck(address: string, service: string): Promise<string> {
  const Health = load(healthProto, "grpc.health.v1.Health");
  const client = new Health(address, credentials.createInsecure()) as Client & {
    Check(req: { service: string }, cb: (err: Error | null, res: { status: string }) => void): void;
  };
  return new Promise((resolve, reject) =>
    client.Check({ service }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    }),
  );
}

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_message: string };
}

/** Asks server reflection one question and returns the answer. */
export function reflect(address: string, request: Record<string, string>): Promise<ReflectionResponse> {
  const Reflection = load(reflectionProto, "grpc.reflection.v1.ServerReflection");
  const client = new Reflection(address, credentials.createInsecure()) as Client & {
    ServerReflectionInfo(): ClientDuplexStream<Record<string, string>, ReflectionResponse>;
  };
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on("data", (res: ReflectionResponse) => {
      call.end();
      client.close();
      resolve(res);
    });
    call.on("error", reject);
    call.write(request);
  });
}

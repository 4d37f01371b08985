// The descriptors server reflection serves, taken from the generated code
// so they can never differ from what the server speaks.

import { toBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { PackageDefinition } from "@grpc/proto-loader";
import { file_dnc_v1_admin_service } from "../gen/dnc/v1/admin_service_pb.js";
import { file_dnc_v1_filter_service } from "../gen/dnc/v1/filter_service_pb.js";
import { file_grpc_health_v1_health } from "../gen/grpc/health/v1/health_pb.js";

/** The service files and everything they import, dependencies first. */
function withDependencies(roots: DescFile[]): DescFile[] {
  const out: DescFile[] = [];
  const visit = (f: DescFile) => {
    if (out.includes(f)) return;
    f.dependencies.forEach(visit);
    out.push(f);
  };
  roots.forEach(visit);
  return out;
}

/** A proto-loader shaped package definition carrying only file descriptors, as @grpc/reflection reads it. */
export function reflectionPackage(): PackageDefinition {
  const files = withDependencies([file_dnc_v1_filter_service, file_dnc_v1_admin_service, file_grpc_health_v1_health]);
  const fileDescriptorProtos = files.map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
  return { "dnc.v1": { format: "", type: {}, fileDescriptorProtos } } as unknown as PackageDefinition;
}

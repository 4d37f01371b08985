// The descriptors server reflection serves, taken from the generated code
// so they can never differ from what the server speaks.

import { toBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_timestamp } from "@bufbuild/protobuf/wkt";
import type { PackageDefinition } from "@grpc/proto-loader";
import { file_dnc_v1_admin_service } from "../gen/dnc/v1/admin_service_pb.js";
import { file_dnc_v1_filter_service } from "../gen/dnc/v1/filter_service_pb.js";
import { file_dnc_v1_types } from "../gen/dnc/v1/types_pb.js";

const files: DescFile[] = [file_google_protobuf_timestamp, file_dnc_v1_types, file_dnc_v1_filter_service, file_dnc_v1_admin_service];

/** A proto-loader shaped package definition carrying only file descriptors, as @grpc/reflection reads it. */
export function reflectionPackage(): PackageDefinition {
  const fileDescriptorProtos = files.map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
  return { "dnc.v1": { format: "", type: {}, fileDescriptorProtos } } as unknown as PackageDefinition;
}

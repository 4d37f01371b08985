// PLACEHOLDER (helper A replaces this file): every caller is an admin named "grpc".
import { Role } from "../gen/dnc/v1/api_key_pb.js";
import type { AdminAuth, Principal } from "./admin-auth.js";

export class ApiKeyAuth implements AdminAuth {
  authenticate(_authorization: string | undefined): Principal {
    return { name: "grpc", role: Role.ADMIN };
  }
  authorize(_principal: Principal, _method: string): void {}
}

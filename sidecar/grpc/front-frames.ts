// The filter port's two messages between its worker thread and the main
// thread, each one ArrayBuffer that moves (is transferred) rather than being
// cloned: a call (its id, the method, the authorization header and the
// request bytes) and its answer (the response bytes, or a gRPC status).

import type { status } from "@grpc/grpc-js";
import type { GrpcStatus } from "./grpc-status.js";

const ID = 0;
const KIND = 4;
const CALL_METHOD = 4;
const CALL_AUTH_LENGTH = 5;
const CALL_HEADER = 9;
const ANSWER_BODY = 5;
const STATUS_CODE = 5;
const STATUS_MESSAGE_LENGTH = 9;
const STATUS_HEADER = 13;

const RESPONSE = 0;
const STATUS = 1;

export interface FrontCall {
  id: number;
  method: number;
  authorization: string | undefined;
  request: Buffer;
}

export type FrontAnswer = { id: number; response: Buffer } | { id: number; status: GrpcStatus };

export function encodeCall(id: number, method: number, authorization: string | undefined, request: Uint8Array): ArrayBuffer {
  const authLength = authorization === undefined ? 0 : Buffer.byteLength(authorization, "latin1");
  const out = new ArrayBuffer(CALL_HEADER + authLength + request.length);
  const bytes = Buffer.from(out);
  bytes.writeUInt32BE(id, ID);
  bytes.writeUInt8(method, CALL_METHOD);
  // One more than the length, so that no header and an empty one stay apart.
  bytes.writeUInt32BE(authorization === undefined ? 0 : authLength + 1, CALL_AUTH_LENGTH);
  if (authorization !== undefined) bytes.write(authorization, CALL_HEADER, "latin1");
  bytes.set(request, CALL_HEADER + authLength);
  return out;
}

export function decodeCall(frame: ArrayBuffer): FrontCall {
  const bytes = Buffer.from(frame);
  const authField = bytes.readUInt32BE(CALL_AUTH_LENGTH);
  const requestStart = CALL_HEADER + (authField === 0 ? 0 : authField - 1);
  return {
    id: bytes.readUInt32BE(ID),
    method: bytes.readUInt8(CALL_METHOD),
    authorization: authField === 0 ? undefined : bytes.toString("latin1", CALL_HEADER, requestStart),
    request: bytes.subarray(requestStart),
  };
}

export function encodeResponse(id: number, response: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(ANSWER_BODY + response.length);
  const bytes = Buffer.from(out);
  bytes.writeUInt32BE(id, ID);
  bytes.writeUInt8(RESPONSE, KIND);
  bytes.set(response, ANSWER_BODY);
  return out;
}

export function encodeStatus(id: number, s: GrpcStatus): ArrayBuffer {
  const messageLength = Buffer.byteLength(s.message, "utf8");
  const details = s.details ?? Buffer.alloc(0);
  const out = new ArrayBuffer(STATUS_HEADER + messageLength + details.length);
  const bytes = Buffer.from(out);
  bytes.writeUInt32BE(id, ID);
  bytes.writeUInt8(STATUS, KIND);
  bytes.writeUInt32BE(s.code, STATUS_CODE);
  bytes.writeUInt32BE(messageLength, STATUS_MESSAGE_LENGTH);
  bytes.write(s.message, STATUS_HEADER, "utf8");
  bytes.set(details, STATUS_HEADER + messageLength);
  return out;
}

export function decodeAnswer(frame: ArrayBuffer): FrontAnswer {
  const bytes = Buffer.from(frame);
  const id = bytes.readUInt32BE(ID);
  if (bytes.readUInt8(KIND) === RESPONSE) return { id, response: bytes.subarray(ANSWER_BODY) };
  const messageEnd = STATUS_HEADER + bytes.readUInt32BE(STATUS_MESSAGE_LENGTH);
  const s: GrpcStatus = { code: bytes.readUInt32BE(STATUS_CODE) as status, message: bytes.toString("utf8", STATUS_HEADER, messageEnd) };
  if (messageEnd < bytes.length) s.details = bytes.subarray(messageEnd);
  return { id, status: s };
}

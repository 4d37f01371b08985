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
  const view = new DataView(out);
  view.setUint32(ID, id);
  view.setUint8(CALL_METHOD, method);
  // One more than the length, so that no header and an empty one stay apart.
  view.setUint32(CALL_AUTH_LENGTH, authorization === undefined ? 0 : authLength + 1);
  const bytes = Buffer.from(out);
  if (authorization !== undefined) bytes.write(authorization, CALL_HEADER, "latin1");
  bytes.set(request, CALL_HEADER + authLength);
  return out;
}

export function decodeCall(frame: ArrayBuffer): FrontCall {
  const view = new DataView(frame);
  const authField = view.getUint32(CALL_AUTH_LENGTH);
  const authLength = authField === 0 ? 0 : authField - 1;
  const bytes = Buffer.from(frame);
  return {
    id: view.getUint32(ID),
    method: view.getUint8(CALL_METHOD),
    authorization: authField === 0 ? undefined : bytes.toString("latin1", CALL_HEADER, CALL_HEADER + authLength),
    request: bytes.subarray(CALL_HEADER + authLength),
  };
}

export function encodeResponse(id: number, response: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(ANSWER_BODY + response.length);
  const view = new DataView(out);
  view.setUint32(ID, id);
  view.setUint8(KIND, RESPONSE);
  new Uint8Array(out).set(response, ANSWER_BODY);
  return out;
}

export function encodeStatus(id: number, s: GrpcStatus): ArrayBuffer {
  const message = Buffer.from(s.message, "utf8");
  const details = s.details ?? Buffer.alloc(0);
  const out = new ArrayBuffer(STATUS_HEADER + message.length + details.length);
  const view = new DataView(out);
  view.setUint32(ID, id);
  view.setUint8(KIND, STATUS);
  view.setUint32(STATUS_CODE, s.code);
  view.setUint32(STATUS_MESSAGE_LENGTH, message.length);
  const bytes = new Uint8Array(out);
  bytes.set(message, STATUS_HEADER);
  bytes.set(details, STATUS_HEADER + message.length);
  return out;
}

export function decodeAnswer(frame: ArrayBuffer): FrontAnswer {
  const view = new DataView(frame);
  const id = view.getUint32(ID);
  const bytes = Buffer.from(frame);
  if (view.getUint8(KIND) === RESPONSE) return { id, response: bytes.subarray(ANSWER_BODY) };
  const messageEnd = STATUS_HEADER + view.getUint32(STATUS_MESSAGE_LENGTH);
  const s: GrpcStatus = { code: view.getUint32(STATUS_CODE) as status, message: bytes.toString("utf8", STATUS_HEADER, messageEnd) };
  if (messageEnd < bytes.length) s.details = bytes.subarray(messageEnd);
  return { id, status: s };
}

/**
 * The gRPC transport: one grpc-js server with every method of the served
 * services registered from their descriptors, plus grpc.health.v1 and server
 * reflection. Each call goes through the shared CallPipeline.
 */

import { type DescMethod, type DescService, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { Code, statusBytes } from "../../errors/admin-error.js";
import { encodeBinary } from "../../proto/encoded-once.js";
import type { Status } from "../../proto/gen/google/rpc/status_pb.js";
import { type CallPipeline, newCallContext } from "../pipeline.js";
import { addReflection } from "./reflection.js";

/** grpc-go's default message size limit, which FlyteAdmin keeps when the setting is 0. */
const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface GrpcServerOptions {
  readonly services: readonly DescService[];
  readonly pipeline: CallPipeline;
  readonly maxMessageSizeBytes: number;
  readonly maxConcurrentStreams: number;
  readonly reflection: boolean;
}

/** Marks a request body that failed to decode, so the call answers INVALID_ARGUMENT instead of a transport error. */
class MalformedRequest {
  constructor(readonly reason: string) {}
}

/**
 * Builds the grpc-js server (not yet bound).
 *
 * @example
 * const server = createGrpcServer({ services, pipeline, maxMessageSizeBytes: 0, maxConcurrentStreams: 0, reflection: true });
 * server.bindAsync("127.0.0.1:8089", grpc.ServerCredentials.createInsecure(), () => {});
 */
export function createGrpcServer(options: GrpcServerOptions): grpc.Server {
  const max = options.maxMessageSizeBytes > 0 ? options.maxMessageSizeBytes : DEFAULT_MAX_MESSAGE_BYTES;
  const serverOptions: grpc.ServerOptions = {
    "grpc.max_receive_message_length": max,
    "grpc.max_send_message_length": max,
    // Channelz keeps per-call and per-connection counters (and reads the clock twice per call) for a
    // channelz service this server does not offer; without it grpc-js takes its plain stream handler.
    "grpc.enable_channelz": 0,
  };
  if (options.maxConcurrentStreams > 0) serverOptions["grpc.max_concurrent_streams"] = options.maxConcurrentStreams;
  const server = new grpc.Server(serverOptions);
  for (const service of options.services) {
    const { definition, implementation } = serviceFor(service, options.pipeline);
    server.addService(definition, implementation);
  }
  new HealthImplementation({ "": "SERVING", flyteadmin: "SERVING" }).addToServer(server);
  if (options.reflection) addReflection(server, options.services);
  return server;
}

function serviceFor(
  service: DescService,
  pipeline: CallPipeline,
): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<Message | MalformedRequest, Message>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: (m: Message | MalformedRequest) => Buffer.from(toBinary(method.input, m as Message)),
      requestDeserialize: (b: Buffer) => decodeRequest(method, b),
      responseSerialize: (m: Message) => asBuffer(encodeBinary(method.output, m)),
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
      originalName: method.localName,
    };
    implementation[method.localName] =
      method.methodKind === "unary" ? unaryHandler(method, pipeline) : streamingUnsupported(method);
  }
  return { definition: definition as grpc.ServiceDefinition, implementation };
}

/** The bytes as a Buffer without copying them (grpc-js copies them into its frame). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeRequest(method: DescMethod, bytes: Buffer): Message | MalformedRequest {
  try {
    return fromBinary(method.input, bytes);
  } catch (e) {
    return new MalformedRequest((e as Error).message);
  }
}

function unaryHandler(method: DescMethod, pipeline: CallPipeline): grpc.handleUnaryCall<Message, Message> {
  return (call, callback) => {
    const request = call.request as Message | MalformedRequest;
    if (request instanceof MalformedRequest) {
      callback({ code: Code.INVALID_ARGUMENT, details: `malformed request message: ${request.reason}` });
      return;
    }
    const metadata = metadataMap(call.metadata);
    // The public URL (auth audience, OAuth2 metadata) falls back to the :authority pseudo-header, as in FlyteAdmin.
    metadata.set(":authority", [call.getHost()]);
    const ctx = newCallContext("grpc", metadata);
    void pipeline.call(method, request, ctx).then((result) => {
      if (ctx.responseHeaders && ctx.responseHeaders.size > 0) call.sendMetadata(headerMetadata(ctx.responseHeaders));
      if (result.ok) callback(null, result.response);
      else callback(statusError(result.status));
    });
  };
}

function streamingUnsupported(method: DescMethod): grpc.UntypedHandleCall {
  return ((call: grpc.ServerWritableStream<Message, Message>) => {
    call.emit("error", { code: Code.UNIMPLEMENTED, details: `streaming method ${method.name} is not served` });
  }) as grpc.UntypedHandleCall;
}

/** The gRPC error for a status; typed details travel as `grpc-status-details-bin`, which FlytePropeller reads. */
function statusError(status: Status): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (status.details.length > 0) metadata.set("grpc-status-details-bin", Buffer.from(statusBytes(status)));
  const err = new Error(status.message) as grpc.ServiceError;
  err.code = status.code as grpc.status;
  err.details = status.message;
  err.metadata = metadata;
  return err;
}

/** Response headers as initial metadata; what gRPC cannot carry (a `+` in a name, non-ASCII in a value) is left out. */
function headerMetadata(headers: ReadonlyMap<string, string>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    if (/^[0-9a-z_.-]+$/.test(key) && !key.endsWith("-bin") && /^[ -~]*$/.test(v)) md.set(key, v);
  }
  return md;
}

function metadataMap(md: grpc.Metadata): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, values] of Object.entries(md.toJSON())) {
    if (key.endsWith("-bin")) continue;
    out.set(
      key.toLowerCase(),
      values.map((v) => (typeof v === "string" ? v : v.toString("utf8"))),
    );
  }
  return out;
}

/**
 * gRPC server reflection (v1 and v1alpha), served by @grpc/reflection over
 * the same descriptors the services are built from, but built on the first
 * reflection call instead of at start-up: analysing every served file takes
 * that library several hundred milliseconds, longer than the rest of the
 * server's start, for a service only tools like grpcurl ask.
 */
import { EventEmitter } from "node:events";
import { type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { servedFiles } from "../../proto/registry.js";

const METHOD = "ServerReflectionInfo";
const SERVICES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

/** What @grpc/reflection registered for one reflection service: the method's codecs and its handler. */
interface Registered {
  readonly definition: grpc.MethodDefinition<unknown, unknown>;
  readonly handler: (stream: EventEmitter) => void;
}

const identity = (b: Buffer) => b;

/**
 * Registers both reflection services on `server`; the reflection library is loaded when first called.
 *
 * @example
 * addReflection(server, servedServices);
 */
export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  let loading: Promise<Map<string, Registered>> | undefined;
  const load = () => {
    loading ??= buildReflection(services);
    return loading;
  };
  for (const service of SERVICES) {
    const path = `/${service}/${METHOD}`;
    const definition = {
      [METHOD]: {
        path,
        requestStream: true,
        responseStream: true,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
        originalName: METHOD,
      },
    };
    const handler = (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      // The library's handler sees a stream of decoded messages; calls made before it is loaded wait in order.
      const ready = load().then((registered) => registered.get(path) as Registered);
      const stream = Object.assign(new EventEmitter(), {
        write: (message: unknown) => void ready.then((r) => call.write(r.definition.responseSerialize(message))),
        end: () => call.end(),
      });
      call.on("data", (bytes: Buffer) => {
        void ready.then((r) => stream.emit("data", r.definition.requestDeserialize(bytes)));
      });
      call.on("end", () => void ready.then(() => stream.emit("end")));
      ready.then(
        (r) => r.handler(stream),
        (err: unknown) => call.destroy(err instanceof Error ? err : new Error(String(err))),
      );
    };
    server.addService(definition as grpc.ServiceDefinition, { [METHOD]: handler as grpc.UntypedHandleCall });
  }
}

async function buildReflection(services: readonly DescService[]): Promise<Map<string, Registered>> {
  const { ReflectionService } = await import("@grpc/reflection");
  const fileDescriptorProtos = servedFiles().map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
  const packages: Record<string, unknown> = {};
  for (const s of services) packages[s.typeName] = { fileDescriptorProtos };
  const reflection = new ReflectionService(packages as ConstructorParameters<typeof ReflectionService>[0]);
  // The library registers its services on a server; this one records what it registers.
  const registered = new Map<string, Registered>();
  const recorder = {
    addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) {
      for (const [name, method] of Object.entries(definition)) {
        registered.set(method.path, {
          definition: method as grpc.MethodDefinition<unknown, unknown>,
          handler: implementation[name] as unknown as Registered["handler"],
        });
      }
    },
  };
  reflection.addToServer(recorder as unknown as Pick<grpc.Server, "addService">);
  return registered;
}

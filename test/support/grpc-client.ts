/**
 * A real grpc-js client for any served service, built from the same
 * descriptors the server uses: `client.registerProject({...})` returns the
 * response message or rejects with the grpc-js ServiceError.
 */

import {
  create,
  type DescService,
  fromBinary,
  type Message,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";

export type ServiceClient<S> =
  S extends GenService<infer T extends GenServiceMethods>
    ? {
        [K in keyof T]: (
          request?: MessageInitShape<T[K]["input"]>,
          metadata?: Record<string, string>,
        ) => Promise<MessageShape<T[K]["output"]>>;
      } & { close(): void; raw: grpc.Client }
    : never;

/**
 * Connects to `address` (host:port) without TLS.
 *
 * @example
 * const admin = grpcClient(AdminService, "127.0.0.1:8089");
 * const v = await admin.getVersion({});
 */
export function grpcClient<S extends DescService>(
  service: S,
  address: string,
  options: grpc.ChannelOptions = {},
): ServiceClient<S> {
  const definition: Record<string, grpc.MethodDefinition<Message, Message>> = {};
  for (const m of service.methods) {
    definition[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: Message) => Buffer.from(toBinary(m.input, v)),
      requestDeserialize: (b: Buffer) => fromBinary(m.input, b),
      responseSerialize: (v: Message) => Buffer.from(toBinary(m.output, v)),
      responseDeserialize: (b: Buffer) => fromBinary(m.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition as grpc.ServiceDefinition, service.name);
  const client = new Ctor(address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    ...options,
  });
  const out: Record<string, unknown> = { close: () => client.close(), raw: client };
  for (const m of service.methods) {
    out[m.localName] = (request: MessageInitShape<typeof m.input> = {}, metadata: Record<string, string> = {}) =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        for (const [k, v] of Object.entries(metadata)) md.set(k, v);
        const fn = (client as unknown as Record<string, grpc.requestCallback<Message> & ((...a: unknown[]) => void)>)[
          m.localName
        ] as (r: Message, md: grpc.Metadata, cb: grpc.requestCallback<Message>) => void;
        fn.call(client, create(m.input, request), md, (err: grpc.ServiceError | null, res?: Message) => {
          if (err) reject(err);
          else resolve(res);
        });
      });
  }
  return out as ServiceClient<S>;
}

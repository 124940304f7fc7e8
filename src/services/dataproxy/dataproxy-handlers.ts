/**
 * DataProxyService: upload and (deprecated) download locations.
 * CreateDownloadLink and GetData are served with node executions.
 */
import type { DataProxyManager } from "../../managers/dataproxy-manager.js";
import type { DataProxyService } from "../../proto/gen/flyteidl/service/dataproxy_pb.js";
import type { ServiceImpl } from "../types.js";

export function dataProxyHandlers(dataProxy: DataProxyManager): ServiceImpl<typeof DataProxyService> {
  return {
    createUploadLocation: (req) => dataProxy.createUploadLocation(req),
    createDownloadLocation: (req) => dataProxy.createDownloadLocation(req),
  };
}

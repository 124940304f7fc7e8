/** DataProxyService: execution data (deck links and flyte:// URLs). */
import type { ArtifactDataManager } from "../../managers/data/artifact-data-manager.js";
import type { DataProxyService } from "../../proto/gen/flyteidl/service/dataproxy_pb.js";
import type { ServiceImpl } from "../types.js";

export function artifactHandlers(artifacts: ArtifactDataManager): ServiceImpl<typeof DataProxyService> {
  return {
    createDownloadLink: (req) => artifacts.createDownloadLink(req),
    getData: (req) => artifacts.getData(req),
  };
}

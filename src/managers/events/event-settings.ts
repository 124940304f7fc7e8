/** The configuration the event managers read, resolved once. */
import type { Config } from "../../config/schema.js";
import type { InlineEventDataPolicy } from "./output-result.js";

export interface EventSettings {
  /** `remoteData.inlineEventDataPolicy`: offload inline output data (default) or keep it in the closure. */
  readonly inlineEventDataPolicy: InlineEventDataPolicy;
  /** `remoteData.maxSizeInBytes`: the largest inline output data accepted from workflow and task events. */
  readonly maxSizeInBytes: number;
  /** `flyteadmin.metadataStoragePrefix`: where dynamic workflow closures go. */
  readonly metadataStoragePrefix: readonly string[];
}

export function eventSettings(config: Config): EventSettings {
  return {
    inlineEventDataPolicy: config.remoteData.inlineEventDataPolicy,
    maxSizeInBytes: config.remoteData.maxSizeInBytes,
    metadataStoragePrefix: config.flyteadmin.metadataStoragePrefix,
  };
}

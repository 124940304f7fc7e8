/** SignalService: gate-node signals. */
import type { SignalManager } from "../../managers/signal-manager.js";
import type { SignalService } from "../../proto/gen/flyteidl/service/signal_pb.js";
import type { ServiceImpl } from "../types.js";

export function signalHandlers(signals: SignalManager): ServiceImpl<typeof SignalService> {
  return {
    getOrCreateSignal: (req) => signals.getOrCreate(req),
    listSignals: (req) => signals.list(req),
    setSignal: async (req) => {
      await signals.set(req);
      return {};
    },
  };
}

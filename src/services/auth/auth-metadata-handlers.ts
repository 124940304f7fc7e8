/**
 * AuthMetadataService: how clients learn to log in. Anonymous (the
 * authenticator lets it through). With auth off, GetPublicClientConfig still
 * answers the configured client settings (harmless, and what a client that
 * probes gets), while GetOAuth2Metadata answers UNIMPLEMENTED: there is no
 * authorization server to describe (FlyteAdmin does not register the service
 * at all then, so both answer UNIMPLEMENTED there).
 */
import type { AuthMetadataSource } from "../../auth/auth-stack.js";
import type { AuthMetadataService } from "../../proto/gen/flyteidl/service/auth_pb.js";
import type { ServiceImpl } from "../types.js";

export function authMetadataHandlers(source: AuthMetadataSource): ServiceImpl<typeof AuthMetadataService> {
  return {
    getOAuth2Metadata: (_req, ctx) => source.oauth2Metadata(ctx.metadata),
    getPublicClientConfig: () => source.publicClientConfig(),
  };
}

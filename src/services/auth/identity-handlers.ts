/**
 * IdentityService.UserInfo (`GET /me`): the caller's profile and claims. Over
 * HTTP the response also carries FlyteAdmin's `X-User-Subject` and
 * `X-User-Claim-*` headers. With auth off the service answers UNIMPLEMENTED,
 * as FlyteAdmin (which does not register it), so the console shows no user.
 */

import type { JsonObject } from "@bufbuild/protobuf";
import { userInfoHeaders } from "../../auth/identity.js";
import { AdminError, Code } from "../../errors/admin-error.js";
import type { IdentityService } from "../../proto/gen/flyteidl/service/identity_pb.js";
import type { ServiceImpl } from "../types.js";

export function identityHandlers(authEnabled: boolean): ServiceImpl<typeof IdentityService> {
  return {
    userInfo: (_req, ctx) => {
      if (!authEnabled) throw new AdminError(Code.UNIMPLEMENTED, "authentication is not enabled on this server");
      const { userInfo, claims } = ctx.identity;
      for (const [k, v] of userInfoHeaders(userInfo.subject, claims)) ctx.responseHeaders?.set(k, v);
      return {
        subject: userInfo.subject,
        name: userInfo.name,
        preferredUsername: userInfo.preferredUsername,
        givenName: userInfo.givenName,
        familyName: userInfo.familyName,
        email: userInfo.email,
        picture: userInfo.picture,
        additionalClaims: claims as JsonObject,
      };
    },
  };
}

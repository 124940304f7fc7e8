/**
 * The real clients against a server with `useAuth: true` and the built-in
 * authorization server (transport-auth.md §3–4): flytekit and flytectl with
 * `authType: ClientSecret` fetch the OAuth2 metadata and public client config
 * anonymously, get a token from /oauth2/token with client credentials and
 * call the admin with it; a wrong secret is refused (the call fails, it does
 * not hang: flytectl gives up after its own retries, flytekit at once).
 * Then the same clients with `authServerType: External`: tokens come from a
 * real OAuth2 server (oidc-provider) found through our proxied metadata, and
 * we validate them against its JWKS.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { hashSync } from "bcryptjs";
import { clientToken } from "../test/support/auth.js";
import { resourceServerConfig, startIdp } from "../test/support/oidc-idp.js";
import { describeRun, flytekitDir } from "./support/clients.js";
import { describeConformance } from "./support/harness.js";
import { ClientWorkspace } from "./support/workspace.js";

const CI_CLIENT = { id: "ci-robot", secret: "s3cret with spaces/+&" };

const authOn = () => ({
  server: { security: { useAuth: true } },
  auth: {
    appAuth: {
      authServerType: "Self",
      selfAuthServer: {
        staticClients: {
          [CI_CLIENT.id]: {
            id: CI_CLIENT.id,
            client_secret: hashSync(CI_CLIENT.secret, 4),
            grant_types: ["client_credentials"],
            response_types: ["token"],
            scopes: ["all", "offline"],
          },
        },
      },
    },
  },
});

describeConformance(
  "clients with authType ClientSecret against the built-in authorization server",
  (suite) => {
    test("the admin refuses calls without a token", async (t) => {
      if (!(await suite.ready(t))) return;
      await assert.rejects(suite.server().admin.listProjects({}), /UNAUTHENTICATED/);
    });

    test("flytectl creates and lists projects with client credentials", async (t) => {
      if (!(await suite.ready(t, { clients: ["flytectl"] }))) return;
      const create = await suite.ws().flytectl(["create", "project", "--id", "authp", "--name", "Auth P"]);
      assert.equal(create.code, 0, describeRun("flytectl create project", create));
      const get = await suite.ws().flytectl(["get", "project", "-o", "json"]);
      assert.equal(get.code, 0, describeRun("flytectl get project", get));
      assert.match(get.stdout, /"id":\s*"authp"/);
    });

    test("flytekit's FlyteRemote lists projects with client credentials", async (t) => {
      if (!(await suite.ready(t, { clients: ["flytekit"] }))) return;
      // The flytectl test creates it; when flytectl is not installed here, this test still has a project to find.
      const token = await clientToken(suite.server().httpBase, CI_CLIENT);
      const created = await fetch(`${suite.server().httpBase}/api/v1/projects`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ project: { id: "authp", name: "Auth P" } }),
      });
      assert.ok(created.status === 200 || created.status === 409, `register authp: ${created.status}`);
      const r = await suite.ws().python(join(flytekitDir, "remote_smoke.py"), []);
      assert.equal(r.code, 0, describeRun("remote_smoke.py", r));
      const out = JSON.parse(r.stdout) as { projects: { id: string }[] };
      assert.ok(
        out.projects.some((p) => p.id === "authp"),
        `authp not listed: ${r.stdout}`,
      );
    });

    test("a wrong client secret is refused by both clients (flytectl after its own retries, about a minute)", async (t) => {
      if (!(await suite.ready(t, { clients: ["flytectl", "flytekit"] }))) return;
      const wrong = await ClientWorkspace.create(suite.server(), {
        clientSecret: { id: CI_CLIENT.id, secret: "not the secret" },
      });
      try {
        const ctl = await wrong.flytectl(["get", "project", "-o", "json"], 90_000);
        assert.notEqual(ctl.code, 0, describeRun("flytectl with a wrong secret", ctl));
        assert.equal(ctl.timedOut, false, describeRun("flytectl with a wrong secret", ctl));
        assert.doesNotMatch(ctl.stdout, /authp/);
        const kit = await wrong.python(join(flytekitDir, "remote_smoke.py"), [], wrong.dir, 90_000);
        assert.notEqual(kit.code, 0, describeRun("remote_smoke.py with a wrong secret", kit));
        assert.equal(kit.timedOut, false, describeRun("remote_smoke.py with a wrong secret", kit));
        assert.match(kit.output, /invalid_client|401|Unauthorized|UNAUTHENTICATED/i);
      } finally {
        wrong.close();
      }
    });
  },
  { serverOverrides: authOn, clientSecret: CI_CLIENT },
);

const EXTERNAL_CLIENT = { id: "ext-ci-robot", secret: "ext s3cret" };
const RESOURCE = "https://flyte.example.com/api";
// Started before the suite's server, whose configuration names it.
const idp = await startIdp(
  [
    {
      client_id: EXTERNAL_CLIENT.id,
      client_secret: EXTERNAL_CLIENT.secret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
    },
  ],
  resourceServerConfig(RESOURCE),
);
after(() => idp.close());

describeConformance(
  "clients with authType ClientSecret against an external authorization server",
  (suite) => {
    test("flytectl and flytekit get tokens from the external server and call the admin", async (t) => {
      if (!(await suite.ready(t, { clients: ["flytectl", "flytekit"] }))) return;
      await assert.rejects(suite.server().admin.listProjects({}), /UNAUTHENTICATED/);
      const create = await suite.ws().flytectl(["create", "project", "--id", "extp", "--name", "Ext P"]);
      assert.equal(create.code, 0, describeRun("flytectl create project", create));
      const r = await suite.ws().python(join(flytekitDir, "remote_smoke.py"), []);
      assert.equal(r.code, 0, describeRun("remote_smoke.py", r));
      const out = JSON.parse(r.stdout) as { projects: { id: string }[] };
      assert.ok(
        out.projects.some((p) => p.id === "extp"),
        `extp not listed: ${r.stdout}`,
      );
    });
  },
  {
    serverOverrides: () => ({
      server: { security: { useAuth: true } },
      auth: {
        appAuth: {
          authServerType: "External",
          externalAuthServer: {
            baseUrl: idp.issuer,
            metadataUrl: ".well-known/openid-configuration",
            allowedAudience: [RESOURCE],
          },
        },
      },
    }),
    clientSecret: EXTERNAL_CLIENT,
  },
);

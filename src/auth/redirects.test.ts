import assert from "node:assert/strict";
import { test } from "node:test";
import { type PublicUrl, parsePublicUrl } from "./public-url.js";
import { safeRedirect } from "./redirects.js";

const authorized = [
  parsePublicUrl("https://flyte.example.com"),
  parsePublicUrl("http://localhost:30080"),
] as PublicUrl[];
const HOST = "admin.internal:8088";

test("same-origin paths are allowed and normalized", () => {
  const cases: [string, string][] = [
    ["/console", "/console"],
    ["/console/projects?domain=development#top", "/console/projects?domain=development#top"],
    ["console", "/console"],
    ["/oauth2/authorize_callback", "/oauth2/authorize_callback"],
    ["/a b", "/a%20b"],
    ["/é", "/%C3%A9"],
  ];
  for (const [target, expected] of cases) assert.equal(safeRedirect(target, HOST, authorized), expected, target);
});

test("our own origin and authorized origins are allowed", () => {
  assert.equal(
    safeRedirect("http://admin.internal:8088/console", HOST, authorized),
    "http://admin.internal:8088/console",
  );
  assert.equal(safeRedirect("https://admin.internal:8088/x", HOST, authorized), "https://admin.internal:8088/x");
  assert.equal(
    safeRedirect("https://flyte.example.com/console", HOST, authorized),
    "https://flyte.example.com/console",
  );
  assert.equal(safeRedirect("http://localhost:30080/", HOST, authorized), "http://localhost:30080/");
});

test("other origins and tricks are refused", () => {
  const refused = [
    "https://evil.example/",
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "https://flyte.example.com.evil.example/",
    "http://flyte.example.com/", // authorized is https
    "https://flyte.example.com:8443/", // other port
    "http://localhost:30081/",
    "https://user@flyte.example.com/",
    "http://admin.internal:8089/", // our host, other port: not the request's origin
  ];
  for (const target of refused) assert.equal(safeRedirect(target, HOST, authorized), undefined, target);
  assert.equal(safeRedirect("http://admin.internal:8088/", undefined, []), undefined, "no Host, no own origin");
});

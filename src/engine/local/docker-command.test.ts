import assert from "node:assert/strict";
import { test } from "node:test";
import { dockerCpus, dockerMemory, dockerRunArgv } from "./docker-command.js";

test("docker run: same-path mounts, env, limits, command as entrypoint then args", () => {
  const argv = dockerRunArgv({
    docker: "docker",
    extraArgs: ["--network", "host"],
    name: "flyte-e1-n0-0",
    image: "ghcr.io/acme/wf:1",
    command: ["pyflyte-fast-execute", "--dest-dir", "."],
    args: ["--", "pyflyte-execute"],
    env: { B: "2", A: "1" },
    workDir: "/data/engine/runs/p/d/e1/n0/0",
    sharedDirs: ["/data/blobs/flyte", "/data/blobs/flyte"],
    mounts: [{ host: "/w/inputs", container: "/var/inputs" }],
    cpuLimit: "500m",
    memoryLimit: "1Gi",
  });
  assert.deepEqual(argv, [
    "docker",
    "run",
    "--rm",
    "--init",
    "--name",
    "flyte-e1-n0-0",
    "--workdir",
    "/data/engine/runs/p/d/e1/n0/0",
    "--volume",
    "/data/blobs/flyte:/data/blobs/flyte",
    "--volume",
    "/data/engine/runs/p/d/e1/n0/0:/data/engine/runs/p/d/e1/n0/0",
    "--volume",
    "/w/inputs:/var/inputs",
    "--env",
    "A=1",
    "--env",
    "B=2",
    "--cpus",
    "0.5",
    "--memory",
    "1073741824",
    "--network",
    "host",
    "--entrypoint",
    "pyflyte-fast-execute",
    "ghcr.io/acme/wf:1",
    "--dest-dir",
    ".",
    "--",
    "pyflyte-execute",
  ]);
});

test("without a command the image's entrypoint runs with the args", () => {
  const argv = dockerRunArgv({
    docker: "/usr/bin/docker",
    extraArgs: [],
    name: "x",
    image: "alpine:3",
    command: [],
    args: ["echo", "hi"],
    env: {},
    workDir: "/w",
    sharedDirs: [],
    mounts: [],
  });
  assert.deepEqual(argv.slice(-3), ["alpine:3", "echo", "hi"]);
  assert.equal(argv.includes("--entrypoint"), false);
});

test("Kubernetes quantities become docker's", () => {
  assert.equal(dockerCpus("2"), "2");
  assert.equal(dockerCpus("250m"), "0.25");
  assert.equal(dockerCpus("x"), undefined);
  assert.equal(dockerMemory("200Mi"), String(200 * 1024 * 1024));
  assert.equal(dockerMemory("1G"), "1000000000");
  assert.equal(dockerMemory("0"), undefined);
});

/**
 * A real S3-compatible server for tests: s3rver on a free loopback port with
 * a temp directory. It speaks the S3 REST API the AWS SDK uses; note that it
 * does not check SigV4 signatures or Content-MD5 (MinIO and AWS do).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver's built-in account. */
export const S3RVER_KEY = "S3RVER";

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  close(): Promise<void>;
}

/** Starts s3rver with one bucket. */
export async function startTestS3(bucket = "flyte"): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), "flyteadmin-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The storage config section for a test server using it. */
export function s3StorageConfig(s3: TestS3): Record<string, unknown> {
  return {
    type: "minio",
    container: s3.bucket,
    connection: { endpoint: s3.endpoint, "access-key": S3RVER_KEY, "secret-key": S3RVER_KEY, "disable-ssl": true },
  };
}

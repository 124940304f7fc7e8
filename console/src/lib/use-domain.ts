import { useParams, useSearchParams } from "react-router";

/** The domain of a page: the path's, else `?domain=` (flyteconsole's older URLs), else development. */
export function useDomain(): string {
  const { domain } = useParams();
  const [search] = useSearchParams();
  return domain ?? search.get("domain") ?? "development";
}

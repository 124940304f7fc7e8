/**
 * Projects and domains (entities.md §3.5): registration, partial updates
 * (the way projects are archived), listing with FlyteAdmin's defaults, and
 * the project/domain checks every other registration path runs.
 */
import { create } from "@bufbuild/protobuf";
import { dns1123LabelErrors } from "../common/k8s-names.js";
import { AdminError, detail } from "../errors/admin-error.js";
import {
  type Domain,
  DomainSchema,
  type GetDomainsResponse,
  GetDomainsResponseSchema,
  InactiveProjectSchema,
  type Project,
  Project_ProjectState,
  type ProjectGetRequest,
  type ProjectListRequest,
  type ProjectRegisterRequest,
  type Projects,
  ProjectsSchema,
} from "../proto/gen/flyteidl/admin/project_pb.js";
import { parseFilters } from "../store/list/filters.js";
import { parseSort, parseToken } from "../store/list/paging.js";
import { type ProjectRow, projectFromRow } from "../store/repositories/project-mapper.js";
import type { ProjectRepository } from "../store/repositories/project-repository.js";
import { PageAnswers, RowAnswers, VersionedAnswers } from "./row-answers.js";
import { validateLabels } from "./validation/labels.js";

const MAX_NAME_BYTES = 64;
const MAX_DESCRIPTION_BYTES = 300;

/**
 * The rules of projects and domains.
 *
 * @example
 * const projects = new ProjectManager(new ProjectRepository(db), config.domains);
 * await projects.register(request);
 */
export class ProjectManager {
  readonly #repo: ProjectRepository;
  readonly #domains: readonly Domain[];
  readonly #domainIds: ReadonlySet<string>;
  /** ListProjects items, reused (with their encodings) while their row is unchanged. */
  readonly #answers: RowAnswers<ProjectRow, Project>;
  readonly #byVersion: VersionedAnswers<ProjectRow, Project>;
  /** Whole ListProjects answers, reused while their page is unchanged (PostgreSQL). */
  readonly #pages: PageAnswers<Projects>;

  constructor(repo: ProjectRepository, domains: readonly { id: string; name: string }[], answerCacheBytes = 0) {
    this.#repo = repo;
    // Kept per row content on SQLite, per row version on PostgreSQL: one of the two fills.
    this.#answers = new RowAnswers(answerCacheBytes);
    this.#byVersion = new VersionedAnswers(answerCacheBytes);
    this.#pages = new PageAnswers(ProjectsSchema, answerCacheBytes / 2);
    this.#domains = domains.map((d) => create(DomainSchema, { id: d.id, name: d.name }));
    this.#domainIds = new Set(domains.map((d) => d.id));
  }

  async register(req: ProjectRegisterRequest): Promise<void> {
    const p = req.project;
    if (!p) throw AdminError.missing("project");
    if (p.name === "") throw AdminError.missing("project_name");
    validateProject(p);
    await this.#repo.create(p);
  }

  /** Partial update: name and description only when given, labels only when set, state always. */
  async update(p: Project): Promise<void> {
    if (p.id === "") throw AdminError.missing("project_id");
    if (!(await this.#repo.get(p.id))) throw AdminError.notFound(`project [${p.id}] not found`);
    validateProject(p);
    await this.#repo.update(p.id, {
      name: p.name !== "" ? p.name : undefined,
      description: p.description !== "" ? p.description : undefined,
      labelsFrom: p.labels ? p : undefined,
      state: p.state,
    });
  }

  async get(req: ProjectGetRequest): Promise<Project> {
    if (req.id === "") throw AdminError.missing("project_id");
    const row = await this.#repo.get(req.id);
    if (!row) throw AdminError.notFound(`project [${req.id}] not found`);
    return projectFromRow(row, this.#domains);
  }

  /**
   * Lists projects. Without filters archived projects are hidden; the default
   * order is by identifier; a limit of 0 means no limit.
   */
  async list(req: ProjectListRequest): Promise<Projects> {
    const filters = req.filters === "" ? parseFilters("ne(state,1)", "p") : parseFilters(req.filters, "p");
    const sort = parseSort(req.sortBy, "p") ?? { column: "identifier", direction: "asc" as const };
    const offset = parseToken(req.token, "ListProjects");
    const query = { filters, sort, limit: req.limit, offset };
    const build = (row: ProjectRow) => projectFromRow(row, this.#domains);
    const answer = (projects: Project[], read: number) =>
      create(ProjectsSchema, {
        projects,
        // FlyteAdmin compares the page size with the limit even when the limit is 0.
        token: read === req.limit ? String(offset + read) : "",
      });
    // PostgreSQL: ids and row versions first, whole rows only for projects not kept at that version.
    const page = await this.#repo.listVersions(query);
    if (page === undefined) {
      const projects = (await this.#repo.list(query)).map((r) => this.#answers.answer(r.identifier, r, build));
      return answer(projects, projects.length);
    }
    return this.#pages.answer(JSON.stringify(query), page.text, async () =>
      answer(
        await this.#byVersion.page(page.rows, (ids) => this.#repo.getVersionedByIds(ids), build),
        page.rows.length,
      ),
    );
  }

  getDomains(): GetDomainsResponse {
    return create(GetDomainsResponseSchema, { domains: [...this.#domains] });
  }

  /**
   * The project exists, is ACTIVE, and the domain is configured (ValidateProjectAndDomain);
   * its labels, for callers that need them too (one read instead of two).
   */
  async requireActiveProjectAndDomain(project: string, domain: string): Promise<Record<string, string>> {
    const row = await this.#repo.get(project);
    if (!row) {
      throw AdminError.invalidArgument(
        `failed to validate that project [${project}] and domain [${domain}] are registered, err: [project [${project}] not found]`,
      );
    }
    if (row.state !== Project_ProjectState.ACTIVE) {
      throw AdminError.invalidArgument(`project [${project}] is not active`, [
        detail(InactiveProjectSchema, create(InactiveProjectSchema, { id: project })),
      ]);
    }
    if (!this.#domainIds.has(domain)) throw AdminError.invalidArgument(`domain [${domain}] is unrecognized by system`);
    return projectFromRow(row, []).labels?.values ?? {};
  }

  /** The project exists and is ACTIVE (ValidateProjectForUpdate). */
  async requireActiveProject(project: string): Promise<void> {
    const row = await this.#repo.get(project);
    if (!row) {
      throw AdminError.invalidArgument(
        `failed to validate that project [${project}] is registered, err: [project [${project}] not found]`,
      );
    }
    if (row.state !== Project_ProjectState.ACTIVE)
      throw AdminError.invalidArgument(`project [${project}] is not active`);
  }

  /** The project exists, in any state (ValidateProjectExists). */
  async requireProject(project: string): Promise<void> {
    if (!(await this.#repo.get(project))) {
      throw AdminError.invalidArgument(
        `failed to validate that project [${project}] exists, err: [project [${project}] not found]`,
      );
    }
  }

  /** The project's labels (execution labels are completed with them), undefined when it does not exist. */
  async labelsOf(project: string): Promise<Record<string, string> | undefined> {
    const row = await this.#repo.get(project);
    return row ? (projectFromRow(row, []).labels?.values ?? {}) : undefined;
  }

  /** The configured domain ids. */
  get domainIds(): ReadonlySet<string> {
    return this.#domainIds;
  }
}

/** ValidateProject: every registration rule except the required name. */
function validateProject(p: Project): void {
  if (p.id === "") throw AdminError.missing("project_id");
  validateLabels(p.labels?.values);
  const idErrs = dns1123LabelErrors(p.id);
  if (idErrs.length > 0) throw AdminError.invalidArgument(`invalid project id [${p.id}]: [${idErrs.join(" ")}]`);
  if (Buffer.byteLength(p.name) > MAX_NAME_BYTES) {
    throw AdminError.invalidArgument(`project_name cannot exceed ${MAX_NAME_BYTES} characters`);
  }
  if (Buffer.byteLength(p.description) > MAX_DESCRIPTION_BYTES) {
    throw AdminError.invalidArgument(`project_description cannot exceed ${MAX_DESCRIPTION_BYTES} characters`);
  }
  if (p.domains.length > 0) {
    throw AdminError.invalidArgument(
      "Domains are currently only set system wide. Please retry without domains included in your request.",
    );
  }
}

/** FlyteAdmin filter strings the console sends (`value_in(phase,A;B)+eq(workflow.name,x)+...`). */

export interface ExecutionFilterChoice {
  readonly phases: readonly string[];
  readonly workflow: string;
  readonly launchPlan: string;
  /** Only executions created at or after this time (ms since the epoch). */
  readonly since?: number | undefined;
}

export function executionFiltersText(f: ExecutionFilterChoice): string {
  const parts: string[] = [];
  if (f.phases.length > 0) parts.push(`value_in(phase,${f.phases.join(";")})`);
  if (f.workflow) parts.push(`eq(workflow.name,${f.workflow})`);
  if (f.launchPlan) parts.push(`eq(launch_plan.name,${f.launchPlan})`);
  if (f.since) parts.push(`gte(execution_created_at,${new Date(f.since).toISOString()})`);
  return parts.join("+");
}

"""FlyteRemote fetch of what `pyflyte register example` created:
usage: remote_fetch.py PROJECT DOMAIN VERSION. Prints one JSON object with the
interfaces, workflow nodes and launch-plan inputs as FlyteRemote sees them."""

import json
import sys

from google.protobuf.json_format import MessageToDict

from flytekit.configuration import Config
from flytekit.remote import FlyteRemote


def as_dict(model) -> dict:
    return MessageToDict(model.to_flyte_idl()) if hasattr(model, "to_flyte_idl") else None


def workflow_json(wf) -> dict:
    return {
        "id": as_dict(wf.id),
        "interface": as_dict(wf.interface),
        "nodes": [
            {
                "id": n.id,
                "entity": type(n.flyte_entity).__name__,
                "entity_id": as_dict(getattr(n.flyte_entity, "id", None)),
            }
            for n in wf.flyte_nodes
        ],
    }


def main(project: str, domain: str, version: str) -> None:
    remote = FlyteRemote(config=Config.auto(), default_project=project, default_domain=domain)

    task = remote.fetch_task(name="example.tasks.double", version=version)
    latest_task = remote.fetch_task(name="example.tasks.double")
    pipeline = remote.fetch_workflow(name="example.workflows.pipeline", version=version)
    mapped = remote.fetch_workflow(name="example.workflows.mapped", version=version)
    lp = remote.fetch_launch_plan(name="pipeline_defaults", version=version)
    active = remote.fetch_active_launchplan(name="pipeline_nightly")

    print(
        json.dumps(
            {
                "task": {
                    "id": as_dict(task.id),
                    "latest_version": latest_task.id.version,
                    "interface": as_dict(task.interface),
                    "type": task.template.type,
                    "args": list(task.template.container.args) if task.template.container else [],
                    "resources": as_dict(task.template.container.resources) if task.template.container else None,
                },
                "pipeline": workflow_json(pipeline),
                "mapped": workflow_json(mapped),
                "launch_plan": {
                    "id": as_dict(lp.id),
                    "workflow_id": as_dict(lp.workflow_id),
                    "interface": as_dict(lp.interface),
                    "default_inputs": as_dict(lp.default_inputs),
                    "fixed_inputs": as_dict(lp.fixed_inputs),
                },
                "active_nightly": as_dict(active.id) if active is not None else None,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])

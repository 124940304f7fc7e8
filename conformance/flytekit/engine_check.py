"""Prints an execution's phase, outputs and error as JSON, read back through FlyteRemote."""

import json
import sys

from flytekit.configuration import Config
from flytekit.remote import FlyteRemote

project, domain, name = sys.argv[1:4]
remote = FlyteRemote(Config.auto(), default_project=project, default_domain=domain)
execution = remote.sync(remote.fetch_execution(name=name), sync_nodes=True)
outputs = {}
if execution.is_done and execution.error is None:
    for key in execution.outputs.keys():
        value = execution.outputs.get(key)
        outputs[key] = value if isinstance(value, (int, float, str, bool, list)) else str(value)
print(
    json.dumps(
        {
            "phase": execution.closure.phase,
            "error": None if execution.error is None else {"code": execution.error.code, "message": execution.error.message},
            "outputs": outputs,
            "nodes": sorted(execution.node_executions.keys()),
        }
    )
)

"""FlyteRemote smoke test: connect with the config in $FLYTECTL_CONFIG and call
what every admin serves (projects, domains, version). Prints one JSON object."""

import json

from flytekit.configuration import Config
from flytekit.remote import FlyteRemote


def main() -> None:
    remote = FlyteRemote(config=Config.auto(), default_project="flytesnacks", default_domain="development")
    projects = remote.list_projects(limit=100)
    domains = remote.get_domains()
    print(
        json.dumps(
            {
                "projects": [
                    {"id": p.id, "name": p.name, "description": p.description, "state": p.state}
                    for p in projects
                ],
                "domains": [{"id": d.id, "name": d.name} for d in domains],
                "control_plane_version": remote.client.get_control_plane_version(),
            }
        )
    )


if __name__ == "__main__":
    main()

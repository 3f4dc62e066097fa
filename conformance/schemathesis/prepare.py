"""Prepares a Schemathesis run against a running Spoke: an OAuth app (its id
and developer API key open the webhooks API), the spec files as
Schemathesis can use them, and the configuration.

    python prepare.py SPECS_DIR OUT_DIR

reads SPOKE_URL, SPOKE_TOKEN and SPOKE_ADMIN_TOKEN. Two changes to HubSpot's
files, both written here: the lists spec's recursive filter branches are
unrolled two levels deep (bound_recursion.py; Schemathesis does not finish
preparing them as they are), and the webhooks spec, whose operations list
only OAuth, also accepts the developer API key as `hapikey`, which is how
HubSpot's SDKs call it.
"""

import json
import os
import sys
import urllib.request

import copy

from bound_recursion import bound

SPECS = {
    "contacts-v3": "crm-contacts-v3.json",
    "contacts-2026-03": "crm-contacts-2026-03.json",
    "properties-v3": "crm-properties-v3.json",
    "lists-v3": "crm-lists-v3.json",
    "lists-v3-filters-flat": "crm-lists-v3.json",
    "lists-v3-filters-nested": "crm-lists-v3.json",
    "webhooks-v3": "webhooks-v3.json",
}


def admin(path, body):
    request = urllib.request.Request(
        os.environ["SPOKE_URL"] + path,
        data=json.dumps(body).encode(),
        headers={
            "Authorization": "Bearer " + os.environ["SPOKE_ADMIN_TOKEN"],
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main():
    specs, out = sys.argv[1], sys.argv[2]
    app = admin(
        "/_spoke/v1/apps",
        {"name": "schemathesis", "redirectUris": ["http://localhost/cb"], "scopes": ["oauth"]},
    )
    for name, file in SPECS.items():
        with open(os.path.join(specs, file)) as f:
            spec = json.load(f)
        if name.startswith("lists-v3"):
            bound(spec, 1 if name == "lists-v3-filters-flat" else 2)
            filter_operations = {
                "/crm/v3/lists/{listId}/update-list-filters": {"put"},
                "/crm/v3/lists": {"post"},
            }
            keep_filters = name != "lists-v3"
            paths = {}
            for path, operations in spec["paths"].items():
                kept = {
                    method: operation
                    for method, operation in operations.items()
                    if (method in filter_operations.get(path, ())) == keep_filters
                    or method not in ("get", "put", "post", "patch", "delete")
                }
                if any(m in ("get", "put", "post", "patch", "delete") for m in kept):
                    paths[path] = copy.deepcopy(kept)
            spec["paths"] = paths
        if name == "webhooks-v3":
            for operations in spec["paths"].values():
                for operation in operations.values():
                    if isinstance(operation, dict) and "security" in operation:
                        operation["security"].append({"developer_hapikey": []})
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(spec, f)
    with open(os.path.join(out, "schemathesis.toml"), "w") as f:
        f.write(
            f"""base-url = "{os.environ['SPOKE_URL']}"
headers = {{ Authorization = "Bearer {os.environ['SPOKE_TOKEN']}" }}

[parameters]
appId = {app['appId']}

[auth.openapi.developer_hapikey]
api_key = "{app['developerApiKey']}"
"""
        )
    print(" ".join(SPECS))


if __name__ == "__main__":
    main()

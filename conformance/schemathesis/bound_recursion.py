"""Writes a copy of an OpenAPI file whose recursive schemas are unrolled to a
fixed depth, so that Schemathesis can generate data for them.

HubSpot's lists spec defines filter branches (and list folders) in terms of
themselves; Schemathesis does not finish preparing such schemas. Here each
recursive schema X becomes X, X__1, ... X__{depth-1}, each referring to the
next level; at the last level a recursive reference becomes a schema that
nothing matches (so arrays of it are empty). Everything else is unchanged.

    python bound_recursion.py IN.json OUT.json [depth, default 2]
"""

import copy
import json
import sys

PREFIX = "#/components/schemas/"


def references(node):
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(PREFIX):
                found.add(value[len(PREFIX):])
            else:
                found |= references(value)
    elif isinstance(node, list):
        for value in node:
            found |= references(value)
    return found


def recursive(schemas):
    graph = {name: references(schema) for name, schema in schemas.items()}

    def reachable(start):
        seen, stack = set(), list(graph.get(start, ()))
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(graph.get(name, ()))
        return seen

    return {name for name in graph if name in reachable(name)}


def level_name(name, level):
    return name if level == 0 else f"{name}__{level}"


def rewrite(node, cyclic, level, depth):
    """The node with references to cyclic schemas moved one level down."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(PREFIX) and ref[len(PREFIX):] in cyclic:
            if level + 1 >= depth:
                return {"not": {}}
            return {"$ref": PREFIX + level_name(ref[len(PREFIX):], level + 1)}
        return {k: rewrite(v, cyclic, level, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [rewrite(v, cyclic, level, depth) for v in node]
    return node


def bound(spec, depth):
    """Unrolls the spec's recursive schemas in place; returns how many."""
    schemas = spec.get("components", {}).get("schemas", {})
    cyclic = recursive(schemas)
    originals = {name: copy.deepcopy(schemas[name]) for name in cyclic}
    for name in cyclic:
        for level in range(depth):
            schemas[level_name(name, level)] = rewrite(originals[name], cyclic, level, depth)
    return len(cyclic)


def main():
    source, target = sys.argv[1], sys.argv[2]
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    with open(source) as f:
        spec = json.load(f)
    count = bound(spec, depth)
    with open(target, "w") as f:
        json.dump(spec, f, indent=1)
    print(f"{source}: {count} recursive schemas unrolled to depth {depth}", file=sys.stderr)


if __name__ == "__main__":
    main()

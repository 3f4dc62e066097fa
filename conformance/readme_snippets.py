"""Runs the SDK snippets of the README as written, against the Spoke in
SPOKE_URL with SPOKE_TOKEN: the Python ones with this interpreter (the
conformance venv), the Node one with node, from conformance/node so that
it finds the pinned SDK. A snippet that fails fails the run."""

import os
import re
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
readme = open(os.path.join(here, "..", "README.md"), encoding="utf-8").read()
section = readme.split("## Point the official SDKs at it", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```(python|js)\n(.*?)```", section, re.S)
assert len(blocks) == 3, f"expected three snippets, found {len(blocks)}"
for language, code in blocks:
    if language == "python":
        command = [sys.executable, "-c", code]
        cwd = here
    else:
        node_dir = os.path.join(here, "node")
        handle, path = tempfile.mkstemp(suffix=".mjs", dir=node_dir)
        with os.fdopen(handle, "w") as out:
            out.write(code)
        command = ["node", path]
        cwd = node_dir
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)
    finally:
        if language == "js":
            os.remove(path)
    if done.returncode != 0:
        print(f"the README's {language} snippet failed:\n{code}\n{done.stderr}", file=sys.stderr)
        sys.exit(1)
    print(f"README {language} snippet: ok {done.stdout.strip()}")

#!/usr/bin/env python
"""Check that the HTML site's index names every plugin, module and role of a collection.

Usage: check_site_index.py NAMESPACE.NAME SITE_DIR  (ANSIBLE_COLLECTIONS_PATH finds the collection)
The list comes from ansible-doc --metadata-dump, not from the docs build, so a plugin the build left
out is caught.
"""

import html
import json
import os
import re
import subprocess
import sys


def main():
    fqcn, site = sys.argv[1], sys.argv[2]
    dump = subprocess.run(["ansible-doc", "--metadata-dump", "--no-fail-on-errors", fqcn],
                          check=True, capture_output=True, text=True).stdout
    everything = json.loads(dump)["all"]
    with open(os.path.join(site, "index.html"), encoding="utf-8") as handle:
        index = html.unescape(re.sub(r"<[^>]+>", "", handle.read()))
    expected, missing = 0, []
    for plugin_type, plugins in sorted(everything.items()):
        for name in sorted(plugins):
            if not name.startswith(fqcn + "."):
                continue
            expected += 1
            short = name[len(fqcn) + 1:]
            # antsibull-docs lists "<short name> <type>" (module, filter, role, ...) in the index
            if not re.search(r"(?<![\w.])%s %s\b" % (re.escape(short), re.escape(plugin_type)), index):
                missing.append("%s %s" % (plugin_type, name))
    if missing:
        print("the site's index does not list:\n  " + "\n  ".join(missing))
        return 1
    print("site index lists all %d plugins, modules and roles" % expected)
    return 0


if __name__ == "__main__":
    sys.exit(main())

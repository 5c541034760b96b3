"""Prepare the pip bootstrap that `ansible-test sanity --local` downloads from a host we cannot reach.

ansible-test builds a virtual environment per sanity test and bootstraps pip there with a
`get-pip` script cached at ~/.ansible/test/cache/get_pip_<version>.py. We put a pip wheel of that
version (from PyPI, which is reachable) next to it and write a small script that installs pip from
the wheel. Idempotent; run by tools/setup.sh.
"""

import glob
import os
import re
import subprocess
import sys

import ansible_test

src = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
with open(src, encoding="utf-8") as handle:
    match = re.search(r"pip='([0-9.]+)'", handle.read())
if not match:
    sys.exit("ansible_test_offline: cannot find ansible-test's pip version in %s" % src)
version = match.group(1)

cache = os.path.expanduser("~/.ansible/test/cache")
wheels = os.path.join(cache, "wheels")
script = os.path.join(cache, "get_pip_%s.py" % version.replace(".", "_"))
os.makedirs(wheels, exist_ok=True)
wheel = glob.glob(os.path.join(wheels, "pip-%s-*.whl" % version))
if not wheel:
    subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                           "pip==%s" % version, "-d", wheels])
    wheel = glob.glob(os.path.join(wheels, "pip-%s-*.whl" % version))
wheel = wheel[0]

body = '''"""Offline stand-in for get-pip.py: install pip %(version)s from a local wheel."""
import sys
WHEEL = %(wheel)r
sys.path.insert(0, WHEEL)
from pip._internal.cli.main import main  # noqa: E402
args = [a for a in sys.argv[1:]
        if a not in ("--no-setuptools", "--no-wheel") and not a.startswith("pip==")]
sys.exit(main(["install", WHEEL] + args))
''' % {"version": version, "wheel": wheel}
current = open(script, encoding="utf-8").read() if os.path.exists(script) else None
if current != body:
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(body)
print("[setup] ansible-test pip %s bootstrap ready (offline)" % version)

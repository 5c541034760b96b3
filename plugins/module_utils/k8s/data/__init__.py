"""Data shipped with the k8s package, as Python modules so that Ansible sends it with the modules that use it."""

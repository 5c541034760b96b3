#!/usr/bin/env python
"""moto_server (PyPI moto[server]) with one correction that makes it behave as EC2 Auto Scaling does.

UpdateAutoScalingGroup changes only what the call names. moto 5.2.5 drops a group's
MixedInstancesPolicy (and shows no launch template afterwards) when an update names neither a
launch template nor a mixed instances policy, e.g. the scaling job's update of MinSize, MaxSize
and DesiredCapacity. On AWS the policy stays; here the stored policy is passed back to moto's own
update, so the next provision compares the group with what AWS would hold. Nothing else changes:
the server is moto's, with its own arguments (``moto_server.py -H 127.0.0.1 -p PORT``).
"""

import copy
import sys

from moto.autoscaling import models
from moto.server import main

_UPDATE = models.FakeAutoScalingGroup.update


def _update_keeping_the_policy(self, *args, **kwargs):
    names_launch = any(kwargs.get(key) for key in ("launch_config_name", "launch_template", "mixed_instances_policy"))
    if not args and not names_launch and self.mixed_instances_policy:
        policy = copy.deepcopy(self.mixed_instances_policy)
        spec = policy.get("LaunchTemplate", {}).get("LaunchTemplateSpecification", {})
        if spec.get("LaunchTemplateId") and spec.get("LaunchTemplateName"):
            del spec["LaunchTemplateId"]  # moto refuses a specification naming both, as AWS does
        kwargs["mixed_instances_policy"] = policy
    return _UPDATE(self, *args, **kwargs)


models.FakeAutoScalingGroup.update = _update_keeping_the_policy

if __name__ == "__main__":
    sys.exit(main())

# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes HorizontalPodAutoscalers as a scaling target (pure): an HPA (``autoscaling/v2``), or
the Deployment of a service without one, in the provider-neutral model of ``scaling.plan``, and a
plan as the one field it changes.

The forecast's capacity for now becomes the floor the HPA scales from, ``spec.minReplicas``
(clamped to ``[max(decision min_capacity, 1), spec.maxReplicas]``), or a Deployment's
``spec.replicas`` (within the decision's bounds). Nothing else of the object changes: its
``maxReplicas``, ``behavior``, ``metrics``, labels and annotations are kept as they are.

Kubernetes has no scheduled actions: the later steps of the forecast schedule are not applied, they
are returned by ``pending_steps`` for the report, and the next scaling run sets the floor it then
needs. Because nothing can be scheduled, a rise is never deferred to ``time_to_execute`` (as
``plan.desired_state`` does when it can schedule the rise): the floor goes up now.

Neutral model: an HPA is ``min_size = minReplicas`` (API default 1), ``max_size = maxReplicas``,
``desired_capacity = None`` (the HPA controller decides the replicas); a Deployment is
``desired_capacity = replicas`` (API default 1) without bounds. There are never scheduled actions
or a native policy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.keep import SCALED_FIELDS
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    ScalingPlanError,
    ScalingProvider,
    format_time,
    int_field,
)

HPA = "HorizontalPodAutoscaler"
DEPLOYMENT = "Deployment"
# kind -> (apiVersion, the path of the field scaling owns, the neutral key it maps to)
KINDS = {
    HPA: ("autoscaling/v2", ("spec", SCALED_FIELDS[HPA]), "min_size"),
    DEPLOYMENT: ("apps/v1", ("spec", SCALED_FIELDS[DEPLOYMENT]), "desired_capacity"),
}
# Both fields default to 1 when the object leaves them out (the API server's defaulting).
API_DEFAULT_REPLICAS = 1


class K8sHpaProvider(ScalingProvider):
    """A service's HorizontalPodAutoscaler (``spec.minReplicas``) or, without one, its Deployment
    (``spec.replicas``), in ``namespace``."""

    name = "k8s_hpa"

    def __init__(self, kind=HPA, namespace=None):
        if kind not in KINDS:
            raise ScalingPlanError("kubernetes.kind", "%r is not one of %s" % (kind, ", ".join(sorted(KINDS))))
        self.kind = kind
        self.namespace = namespace
        self.api_version, self.path, self.key = KINDS[kind]

    @property
    def field(self):
        """The field scaling owns, dotted: ``spec.minReplicas`` or ``spec.replicas``."""
        return ".".join(self.path)

    # ----------------------------------------------------------------------------------------
    # the object as it is

    def check_object(self, obj, name, source):
        """Refuse an object that is not this kind's ``name`` in ``namespace``; ``source`` names where it
        was read (a file, the API server) for the message."""
        if not isinstance(obj, dict):
            raise ScalingPlanError("name", "%s does not hold a Kubernetes object (got %s)" % (source, type(obj).__name__))
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        found = (obj.get("apiVersion"), obj.get("kind"), meta.get("name"))
        if found != (self.api_version, self.kind, name):
            raise ScalingPlanError(
                "kubernetes.kind" if obj.get("kind") != self.kind else "name",
                "%s holds %s %s %s, expected %s %s %s" % ((source,) + tuple(str(v) for v in found)
                                                          + (self.api_version, self.kind, name)))
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            raise ScalingPlanError("kubernetes.namespace", "%s is %s %s in namespace %r, expected %r"
                                   % (source, self.kind, name, meta.get("namespace"), self.namespace))
        if not isinstance(obj.get("spec"), dict):
            raise ScalingPlanError("name", "%s: %s %s has no spec" % (source, self.kind, name))
        return obj

    def current_value(self, obj):
        """The field scaling owns as it is (the API default 1 when the object leaves it out)."""
        spec = obj.get("spec") or {}
        value = spec.get(self.path[1], API_DEFAULT_REPLICAS)
        return int_field(value, self.field, minimum=0)

    def normalise_state(self, obj):
        """The neutral state of an HPA or Deployment dict (the API's camelCase shape, as read from the
        API server or a rendered manifest)."""
        state = {"min_size": None, "max_size": None, "desired_capacity": None, "scheduled_actions": {},
                 "native_policy": None}
        if self.kind == HPA:
            state["min_size"] = self.current_value(obj)
            if obj["spec"].get("maxReplicas") is None:
                raise ScalingPlanError("name", "%s %s has no spec.maxReplicas" % (self.kind, obj["metadata"]["name"]))
            state["max_size"] = int_field(obj["spec"]["maxReplicas"], "spec.maxReplicas", minimum=1)
        else:
            state["desired_capacity"] = self.current_value(obj)
        return state

    def native_policy(self, options):
        """Kubernetes has no native predictive policy: the option must be left out."""
        if options is not None:
            raise ScalingPlanError("predictive_policy", "is an EC2 Auto Scaling policy; the k8s_hpa provider has none: "
                                   "leave predictive_policy out")
        return None

    # ----------------------------------------------------------------------------------------
    # the floor

    def bounds(self, decision, current):
        """``(low, high)`` the floor is clamped to: the decision's ``min_capacity`` (at least 1, the
        lowest ``minReplicas`` the API accepts) up to the HPA's ``maxReplicas``; for a Deployment the
        decision's bounds."""
        if self.kind == HPA:
            high = current["max_size"]
            return min(max(decision["min_capacity"], 1), high), high
        return decision["min_capacity"], decision["max_capacity"]

    def clamp(self, capacity, decision, current):
        low, high = self.bounds(decision, current)
        return min(max(capacity, low), high)

    def floor(self, decision, current):
        """The value the field is set to: the decision's capacity for now, clamped."""
        return self.clamp(decision["target_capacity"], decision, current)

    def desired_state(self, decision, current):
        """The neutral state after the change: only the owned field moves to ``floor``."""
        state = plain_copy(current)
        state[self.key] = self.floor(decision, current)
        state["scheduled_actions"] = {}
        state["native_policy"] = None
        return state

    def pending_steps(self, decision, current, now):
        """The schedule's later steps (after ``now``) where the clamped capacity changes, starting from
        the floor set now: ``[{"time", "capacity"}]``. Reported, not applied."""
        previous = self.floor(decision, current)
        out = []
        for when, capacity in decision["schedule"]:
            capacity = self.clamp(capacity, decision, current)
            if when <= now or capacity == previous:
                continue
            out.append({"time": format_time(when), "capacity": capacity})
            previous = capacity
        return out

    # ----------------------------------------------------------------------------------------
    # the change

    def value(self, plan):
        """The field's value after ``plan``."""
        return plan["desired"][self.key]

    def apply_configuration(self, target_name, value):
        """The server-side apply body: the object's identity and the one field, nothing else, so
        the field manager that sends it owns that field only."""
        spec = {self.path[1]: value}
        meta = {"name": target_name}
        if self.namespace is not None:
            meta["namespace"] = self.namespace
        return {"apiVersion": self.api_version, "kind": self.kind, "metadata": meta, "spec": spec}

    def changed_object(self, obj, value):
        """A copy of ``obj`` with the field set to ``value`` and everything else as it was."""
        out = plain_copy(obj)
        out.setdefault("spec", {})[self.path[1]] = value
        return out

    def operations(self, target_name, plan):
        """``[("server_side_apply", {"body": ...})]`` when the field changes, else ``[]``."""
        if not plan["changed"]:
            return []
        return [("server_side_apply", {"body": self.apply_configuration(target_name, self.value(plan))})]

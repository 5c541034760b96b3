# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facility-location core: choose regions for demand points, exactly.

The problem (``Instance``): demand points i with weights w_i (summing to 1) grouped in markets,
candidate regions r with a price index p_r, a latency matrix l_ir, a boolean matrix a_ir saying
whether point i may be served from region r (data residency, failover availability), a region
count between k_min and k_max, an optional latency SLO (the q-quantile of each market's
population latency must be <= slo_ms) and a cost weight c.

Objective: sum_i w_i l_i,r(i) + c * sum_{r open} p_r, where r(i) is the open allowed region with
the lowest latency for i. The MILP (``solve_milp``) is the strong facility-location formulation:

    min  sum_r c p_r y_r + sum_(i,r allowed) w_i l_ir x_ir
    s.t. sum_r x_ir = 1                     for every point i
         x_ir <= y_r                        for every allowed pair
         k_min <= sum_r y_r <= k_max
         sum_(i in m, r: l_ir <= slo) w_i x_ir >= q W_m   for every market m (coverage form of the SLO)
         y binary, 0 <= x <= 1

For fixed y, the cheapest x sends each point to its nearest open allowed region, which also
maximises SLO coverage, so the optimum is integral in x and equals the set-based objective
(``evaluate``).

``solve_milp`` states that model directly (one x per allowed pair: 120,000 columns for 2,000
cities x 60 regions). ``solve_benders``, which ``solve`` uses, solves the same model by Benders row
generation: x is projected out, each point keeps one latency variable bounded by optimality cuts,
the SLO becomes coverage variables over groups of points, and cuts are added until none is
violated, so its optimum is the same (the tests and the benchmark check both against
enumeration). ``solve_bruteforce`` enumerates subsets; ``solve_greedy`` is the fallback used only
when scipy's ``milp`` is unavailable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

try:
    import numpy as np
    HAS_NUMPY = True
except ImportError:
    HAS_NUMPY = False

try:
    from scipy.optimize import milp, linprog, LinearConstraint, Bounds
    from scipy import sparse
    HAS_MILP = True
except ImportError:
    HAS_MILP = False

from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import RegionSelectionError

EPS = 1e-9
# The master LP: dual simplex without presolve on a scaled objective was the fastest HiGHS setting
# measured on the benchmark's large instance (see docs/benchmarks.md).
LP_METHOD = "highs-ds"
LP_OPTIONS = {"presolve": False}
LP_SCALE = 1000.0


class Instance(object):
    """A numeric region-selection problem; see the module docstring."""

    def __init__(self, latency, allowed, weight, market, price, k_min=1, k_max=1, cost_weight=0.0,
                 slo_ms=None, slo_quantile=0.95, market_names=None):
        self.latency = np.asarray(latency, dtype=float)
        self.allowed = np.asarray(allowed, dtype=bool)
        weight = np.asarray(weight, dtype=float)
        self.weight = weight / weight.sum()
        self.market = np.asarray(market, dtype=int)
        self.n_markets = int(self.market.max()) + 1 if len(self.market) else 0
        self.market_weight = np.bincount(self.market, weights=self.weight, minlength=self.n_markets)
        self.price = np.asarray(price, dtype=float)
        self.k_min = int(k_min)
        self.k_max = int(k_max)
        self.cost_weight = float(cost_weight)
        self.slo_ms = None if slo_ms is None else float(slo_ms)
        self.slo_quantile = float(slo_quantile)
        self.market_names = market_names or [str(i) for i in range(self.n_markets)]

    @property
    def n_points(self):
        return self.latency.shape[0]

    @property
    def n_regions(self):
        return self.latency.shape[1]


def assign(inst, subset):
    """Nearest open allowed region per point: (column index into subset or -1, latency or inf)."""
    cols = np.asarray(sorted(subset), dtype=int)
    if len(cols) == 0:
        return np.full(inst.n_points, -1), np.full(inst.n_points, np.inf)
    lat = np.where(inst.allowed[:, cols], inst.latency[:, cols], np.inf)
    idx = np.argmin(lat, axis=1)
    best = lat[np.arange(inst.n_points), idx]
    region = np.where(np.isfinite(best), cols[idx], -1)
    return region, best


def coverage(inst, best):
    """Per market, the population share whose latency is within the SLO."""
    ok = inst.weight * (best <= inst.slo_ms + EPS)
    covered = np.bincount(inst.market, weights=ok, minlength=inst.n_markets)
    return covered / np.maximum(inst.market_weight, EPS)


def evaluate(inst, subset):
    """Objective of opening exactly ``subset``; None if some point is unserved or the SLO fails."""
    if not (inst.k_min <= len(subset) <= inst.k_max):
        return None
    region, best = assign(inst, subset)
    if np.any(region < 0):
        return None
    if inst.slo_ms is not None and np.any(coverage(inst, best) < inst.slo_quantile - 1e-7):
        return None
    return float(np.dot(inst.weight, best) + inst.cost_weight * inst.price[list(subset)].sum())


def solve_bruteforce(inst):
    """Enumerate every subset; return (subset tuple, objective) or (None, None) if infeasible."""
    best_set, best_val = None, None
    for k in range(max(inst.k_min, 1), min(inst.k_max, inst.n_regions) + 1):
        for subset in itertools.combinations(range(inst.n_regions), k):
            val = evaluate(inst, subset)
            if val is not None and (best_val is None or val < best_val - EPS):
                best_set, best_val = subset, val
    return best_set, best_val


def _milp_model(inst, maximise_served=False):
    n, m = inst.n_points, inst.n_regions
    pi, pr = np.nonzero(inst.allowed)
    npairs = len(pi)
    nvar = m + npairs + (inst.n_markets if maximise_served else 0)
    xs = m + np.arange(npairs)
    lat = inst.latency[pi, pr]
    rows, cols, vals, lb, ub = [], [], [], [], []
    row = 0
    # assignment: sum_r x_ir = 1 (or = v_market when maximising the population served)
    rows.append(pi)
    cols.append(xs)
    vals.append(np.ones(npairs))
    if maximise_served:
        vcols = m + npairs + inst.market
        rows.append(np.arange(n))
        cols.append(vcols)
        vals.append(-np.ones(n))
        lb.append(np.zeros(n))
        ub.append(np.zeros(n))
    else:
        lb.append(np.ones(n))
        ub.append(np.ones(n))
    row += n
    # linking: x_ir - y_r <= 0
    link = row + np.arange(npairs)
    rows += [link, link]
    cols += [xs, pr]
    vals += [np.ones(npairs), -np.ones(npairs)]
    lb.append(np.full(npairs, -np.inf))
    ub.append(np.zeros(npairs))
    row += npairs
    # region count
    rows.append(np.full(m, row))
    cols.append(np.arange(m))
    vals.append(np.ones(m))
    lb.append(np.array([0.0 if maximise_served else float(inst.k_min)]))
    ub.append(np.array([float(inst.k_max)]))
    row += 1
    # SLO coverage per market
    if inst.slo_ms is not None:
        inside = lat <= inst.slo_ms + EPS
        rows.append(row + inst.market[pi[inside]])
        cols.append(xs[inside])
        vals.append(inst.weight[pi[inside]])
        if maximise_served:
            rows.append(row + np.arange(inst.n_markets))
            cols.append(m + npairs + np.arange(inst.n_markets))
            vals.append(-inst.slo_quantile * inst.market_weight + 1e-9)
            lb.append(np.zeros(inst.n_markets))
        else:
            lb.append(inst.slo_quantile * inst.market_weight - 1e-9)
        ub.append(np.full(inst.n_markets, np.inf))
        row += inst.n_markets
    a = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(row, nvar))
    c = np.zeros(nvar)
    integrality = np.zeros(nvar)
    integrality[:m] = 1
    if maximise_served:
        c[m + npairs:] = -inst.market_weight
        integrality[m + npairs:] = 1
    else:
        c[:m] = inst.cost_weight * inst.price
        c[xs] = inst.weight[pi] * lat
    constraint = LinearConstraint(a, np.concatenate(lb), np.concatenate(ub))
    return c, constraint, integrality, Bounds(np.zeros(nvar), np.ones(nvar))


def solve_milp(inst, time_limit=60.0):
    """Exact optimum by MILP (HiGHS). Returns (subset tuple, objective) or (None, None) if infeasible."""
    c, constraint, integrality, bounds = _milp_model(inst)
    res = milp(c, constraints=[constraint], integrality=integrality, bounds=bounds,
               options={"time_limit": time_limit, "mip_rel_gap": 0.0, "disp": False})
    if res.x is None:
        return None, None
    subset = tuple(int(r) for r in np.nonzero(res.x[:inst.n_regions] > 0.5)[0])
    return subset, evaluate(inst, subset)


def _cut_values(inst, y):
    """For every point, the deepest optimality cut at y.

    The cut for point i at level t (allowed regions sorted by latency s_1 <= s_2 <= ...) is
    theta_i >= s_t - sum_{j: s_j < s_t} (s_t - s_j) y_j. It is valid for every binary y and tight at
    the nearest open region. Returns (rhs value per point, level latency per point).
    """
    lat = np.where(inst.allowed, inst.latency, np.inf)
    order = np.argsort(lat, axis=1, kind="stable")
    s = np.take_along_axis(lat, order, axis=1)
    ys = np.asarray(y)[order]
    finite = np.isfinite(s)
    s0 = np.where(finite, s, 0.0)
    cum_y = np.cumsum(ys * finite, axis=1) - ys * finite
    cum_sy = np.cumsum(ys * s0, axis=1) - ys * s0
    rhs = np.where(finite, s0 - (s0 * cum_y - cum_sy), -np.inf)
    best = np.argmax(rhs, axis=1)
    rows = np.arange(inst.n_points)
    return rhs[rows, best], s[rows, best]


def _cut_rows(inst, points, level):
    """Sparse rows of the cuts theta_i + sum_{r: l_ir < d_i} (d_i - l_ir) y_r >= d_i for the given points."""
    lat = inst.latency[points]
    closer = inst.allowed[points] & (lat < level[:, None] - EPS)
    pi, pr = np.nonzero(closer)
    coef = level[pi] - lat[pi, pr]
    return pi, pr, coef


def _solve_lp(c, constraint, bounds, time_limit):
    """LP relaxation of the master with HiGHS (dual simplex: a vertex solution)."""
    a = constraint.A
    lb, ub = constraint.lb, constraint.ub
    upper = np.isfinite(ub)
    lower = np.isfinite(lb)
    a_ub = sparse.vstack([a[upper], -a[lower]]).tocsr()
    b_ub = np.concatenate([ub[upper], -lb[lower]])
    res = linprog(c * LP_SCALE, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method=LP_METHOD,
                  options=dict(LP_OPTIONS, time_limit=time_limit))
    return res.x if res.status == 0 else None


def _neighbour_levels(inst, seed, seed_level, count):
    """Cut levels of the ``count`` best one-swap/add/drop neighbours of ``seed`` not already cut.

    A point's cut depends only on the latency of its nearest open region, so the union over
    neighbours stays small; these cuts make the first relaxation close to the final one.
    """
    lat = np.where(inst.allowed, inst.latency, np.inf)
    seed = list(seed)
    others = [r for r in range(inst.n_regions) if r not in seed]
    candidates = []
    for a in seed:
        rest = [r for r in seed if r != a]
        without = lat[:, rest].min(axis=1) if rest else np.full(inst.n_points, np.inf)
        if len(seed) > inst.k_min:
            candidates.append((rest, without))
        for b in others:
            candidates.append((rest + [b], np.minimum(without, lat[:, b])))
    if len(seed) < inst.k_max:
        for b in others:
            candidates.append((seed + [b], np.minimum(seed_level, lat[:, b])))
    scored = []
    for subset, best in candidates:
        if np.all(np.isfinite(best)):
            value = float(np.dot(inst.weight, best)) + inst.cost_weight * float(inst.price[subset].sum())
            scored.append((value, len(scored), best))
    scored.sort(key=lambda t: t[:2])
    levels = [best for _v, _i, best in scored[:count]]
    if not levels:
        return np.zeros(0, dtype=int), np.zeros(0)
    stack = np.column_stack(levels)
    points, levels_out = [], []
    for j in range(stack.shape[1]):
        new = stack[:, j] != seed_level
        for prev in range(j):
            new &= stack[:, j] != stack[:, prev]
        idx = np.nonzero(new)[0]
        points.append(idx)
        levels_out.append(stack[idx, j])
    return np.concatenate(points), np.concatenate(levels_out)


def solve_benders(inst, time_limit=60.0, max_rounds=200, neighbours=2, lp_rounds=200, stabilise=0.5):
    """Exact optimum by Benders row generation on a MILP master (HiGHS).

    Master variables: y_r (binary), theta_i (latency of point i), u_g (SLO coverage of a group of
    points sharing market and the set of allowed regions within the SLO). Constraints: region count,
    one allowed region open for every distinct allowed set, SLO coverage per market, and the
    optimality cuts of ``_cut_values``. Cuts are first generated on the LP relaxation, then the MILP
    is re-solved with the cuts until no point's latency is underestimated: the result is optimal for
    the same objective as ``solve_milp``. Returns (subset, objective) or (None, None).
    """
    n, m = inst.n_points, inst.n_regions
    reach, reach_idx = np.unique(inst.allowed, axis=0, return_inverse=True)
    groups = []
    if inst.slo_ms is not None:
        within = inst.allowed & (inst.latency <= inst.slo_ms + EPS)
        key = np.column_stack([inst.market, within])
        uniq, gidx = np.unique(key, axis=0, return_inverse=True)
        gidx = np.asarray(gidx).ravel()
        gweight = np.bincount(gidx, weights=inst.weight, minlength=len(uniq))
        groups = (uniq, gweight)
    ng = len(groups[0]) if groups else 0
    nvar = m + n + ng
    theta0 = m
    u0 = m + n
    base_rows, base_cols, base_vals, base_lb, base_ub = [], [], [], [], []
    row = 0
    # region count
    base_rows.append(np.zeros(m, dtype=int))
    base_cols.append(np.arange(m))
    base_vals.append(np.ones(m))
    base_lb.append([float(inst.k_min)])
    base_ub.append([float(inst.k_max)])
    row += 1
    # each distinct allowed set has an open region
    rr, rc = np.nonzero(reach)
    base_rows.append(row + rr)
    base_cols.append(rc)
    base_vals.append(np.ones(len(rr)))
    base_lb.append(np.ones(len(reach)))
    base_ub.append(np.full(len(reach), np.inf))
    row += len(reach)
    if ng:
        uniq, gweight = groups
        within = uniq[:, 1:].astype(bool)
        # u_g - sum_{r within} y_r <= 0
        gr, gc = np.nonzero(within)
        base_rows += [row + np.arange(ng), row + gr]
        base_cols += [u0 + np.arange(ng), gc]
        base_vals += [np.ones(ng), -np.ones(len(gr))]
        base_lb.append(np.full(ng, -np.inf))
        base_ub.append(np.zeros(ng))
        row += ng
        # sum_g in market w_g u_g >= q W_m
        base_rows.append(row + uniq[:, 0])
        base_cols.append(u0 + np.arange(ng))
        base_vals.append(gweight)
        base_lb.append(inst.slo_quantile * inst.market_weight - 1e-9)
        base_ub.append(np.full(inst.n_markets, np.inf))
        row += inst.n_markets
    base_nrows = row
    c = np.zeros(nvar)
    c[:m] = inst.cost_weight * inst.price
    c[theta0:theta0 + n] = inst.weight
    lower = np.zeros(nvar)
    lower[theta0:theta0 + n] = np.where(inst.allowed, inst.latency, np.inf).min(axis=1)
    upper = np.ones(nvar)
    upper[theta0:theta0 + n] = np.inf
    bounds = Bounds(lower, upper)
    cut_rows, cut_cols, cut_vals, cut_lb = [], [], [], []
    ncuts = [0]

    def add_cuts(points, level):
        pi, pr, coef = _cut_rows(inst, points, level)
        start = base_nrows + ncuts[0]
        cut_rows.extend([start + np.arange(len(points)), start + pi])
        cut_cols.extend([theta0 + points, pr])
        cut_vals.extend([np.ones(len(points)), coef])
        cut_lb.append(level)
        ncuts[0] += len(points)

    def model():
        rows = np.concatenate(base_rows + cut_rows)
        cols = np.concatenate(base_cols + cut_cols)
        vals = np.concatenate(base_vals + cut_vals)
        a = sparse.csr_matrix((vals, (rows, cols)), shape=(base_nrows + ncuts[0], nvar))
        lb = np.concatenate([np.concatenate([np.asarray(v, dtype=float) for v in base_lb])] + cut_lb)
        ub = np.concatenate([np.concatenate([np.asarray(v, dtype=float) for v in base_ub]),
                             np.full(ncuts[0], np.inf)])
        return LinearConstraint(a, lb, ub)

    def separate(x, at=None):
        """Add the cuts chosen at ``at`` (default: x's own y) that x violates; return how many."""
        theta = x[theta0:theta0 + n]
        if at is None:
            rhs, level = _cut_values(inst, x[:m])
        else:
            _rhs, level = _cut_values(inst, at)
            closer = inst.allowed & (inst.latency < level[:, None] - EPS)
            rhs = level - np.where(closer, (level[:, None] - inst.latency) * x[:m][None, :], 0.0).sum(axis=1)
        violated = np.nonzero(rhs > theta + 1e-7 * np.maximum(1.0, np.abs(rhs)))[0]
        if len(violated):
            add_cuts(violated, level[violated])
        return len(violated)

    # seed with the cuts of a greedy solution and of the few nearest levels of every point
    seed, _value = solve_greedy(inst)
    y0 = np.zeros(m)
    y0[list(seed)] = 1.0
    _rhs, level = _cut_values(inst, y0)
    add_cuts(np.arange(n), level)
    if neighbours:
        points, levels = _neighbour_levels(inst, seed, level, neighbours)
        if len(points):
            add_cuts(points, levels)
    lp_bounds = list(zip(lower, upper))
    core = y0.copy()
    for _round in range(lp_rounds):
        res = _solve_lp(c, model(), lp_bounds, time_limit)
        if res is None:
            break
        # in-out stabilisation: separate between the relaxation's y and a core point first
        core = 0.5 * (core + res[:m])
        if stabilise and separate(res, at=stabilise * res[:m] + (1 - stabilise) * core):
            continue
        if not separate(res):
            y = res[:m]
            if np.all(np.abs(y - np.round(y)) <= 1e-7):
                # the relaxation's optimum is integral and no cut is violated: it is the MILP optimum
                subset = tuple(int(r) for r in np.nonzero(y > 0.5)[0])
                return subset, evaluate(inst, subset)
            break
    integrality = np.zeros(nvar)
    integrality[:m] = 1
    for _round in range(max_rounds):
        res = milp(c, constraints=[model()], integrality=integrality, bounds=bounds,
                   options={"time_limit": time_limit, "mip_rel_gap": 0.0, "disp": False})
        if res.x is None:
            return None, None
        y = np.round(res.x[:m])
        if not separate(np.concatenate([y, res.x[m:]])):
            subset = tuple(int(r) for r in np.nonzero(y > 0.5)[0])
            return subset, evaluate(inst, subset)
    raise RegionSelectionError("solver", "the MILP did not converge in %d rounds" % max_rounds)


def max_served_markets(inst, time_limit=30.0):
    """Markets (indices) left unserved by the choice of at most k_max regions that serves the most population."""
    c, constraint, integrality, bounds = _milp_model(inst, maximise_served=True)
    res = milp(c, constraints=[constraint], integrality=integrality, bounds=bounds,
               options={"time_limit": time_limit, "disp": False})
    if res.x is None:
        return list(range(inst.n_markets))
    served = res.x[inst.n_regions + int(inst.allowed.sum()):] > 0.5
    return [i for i in range(inst.n_markets) if not served[i]]


def _penalised_columns(inst, base, lat, market_onehot, extra_cost):
    """Penalised objective of every column of ``min(base, lat[:, j])`` at once (greedy search).

    Unserved weight and SLO shortfall are priced at 1e6 per unit of population share, so any
    feasible choice beats any infeasible one.
    """
    best = np.minimum(base[:, None], lat)
    unserved = ~np.isfinite(best)
    value = inst.weight @ np.where(unserved, 0.0, best)
    value += 1e6 * (inst.weight @ unserved)
    if inst.slo_ms is not None:
        covered = market_onehot @ (inst.weight[:, None] * (best <= inst.slo_ms + EPS))
        short = np.clip(inst.slo_quantile * inst.market_weight[:, None] - covered, 0, None).sum(axis=0)
        value += 1e6 * short
    return value + extra_cost


def solve_greedy(inst):
    """Greedy add then best-improvement 1-swap local search; not guaranteed optimal.

    Returns (subset, objective or None).
    """
    lat = np.where(inst.allowed, inst.latency, np.inf)
    m = inst.n_regions
    market_onehot = np.zeros((inst.n_markets, inst.n_points))
    market_onehot[inst.market, np.arange(inst.n_points)] = 1.0
    price = inst.cost_weight * inst.price
    chosen = []
    best = np.full(inst.n_points, np.inf)
    current = np.inf
    while len(chosen) < inst.k_max:
        scores = _penalised_columns(inst, best, lat, market_onehot, price + price[chosen].sum())
        scores[chosen] = np.inf
        r = int(np.argmin(scores))
        if not np.isfinite(scores[r]) or (len(chosen) >= inst.k_min and scores[r] >= current - EPS):
            break
        chosen.append(r)
        best = np.minimum(best, lat[:, r])
        current = float(scores[r])
    while len(chosen) > 0:
        move = None
        for out_r in chosen:
            rest = [r for r in chosen if r != out_r]
            base = lat[:, rest].min(axis=1) if rest else np.full(inst.n_points, np.inf)
            scores = _penalised_columns(inst, base, lat, market_onehot, price + price[rest].sum())
            scores[chosen] = np.inf
            r = int(np.argmin(scores))
            if scores[r] < current - EPS and (move is None or scores[r] < move[0]):
                move = (float(scores[r]), out_r, r)
        if move is None:
            break
        current, out_r, in_r = move
        chosen = [r for r in chosen if r != out_r] + [in_r]
    subset = tuple(sorted(chosen))
    return subset, evaluate(inst, subset)


def drop_idle(inst, subset):
    """Close open regions that serve no point while more than k_min are open (never raises the objective)."""
    if subset is None:
        return subset
    region, _best = assign(inst, subset)
    used = set(region.tolist())
    out = list(subset)
    for r in sorted(subset, key=lambda r: -inst.price[r]):
        if r not in used and len(out) > inst.k_min:
            out.remove(r)
    return tuple(sorted(out))


def solve(inst):
    """(subset, objective, method): the MILP when scipy provides it, the greedy fallback otherwise."""
    if HAS_MILP:
        subset, value = solve_benders(inst)
        method = "milp-highs"
    else:
        subset, value = solve_greedy(inst)
        method = "greedy"
    if value is None:
        return subset, value, method
    subset = drop_idle(inst, subset)
    return subset, evaluate(inst, subset), method


def weighted_quantile(values, weights, q):
    """Smallest v with weight share of (values <= v) >= q; consistent with the SLO coverage form."""
    order = np.argsort(values, kind="stable")
    v = np.asarray(values)[order]
    w = np.asarray(weights)[order]
    total = w.sum()
    if total <= 0:
        return float("nan")
    cum = np.cumsum(w) / total
    idx = int(np.searchsorted(cum, q - 1e-9))
    return float(v[min(idx, len(v) - 1)])


def check_feasible(inst, field_residency="data_classes", field_slo="latency_slo_ms"):
    """Raise RegionSelectionError naming the binding constraint and the markets it makes unservable."""
    names = inst.market_names
    unserved = sorted(set(inst.market[~inst.allowed.any(axis=1)].tolist()))
    if unserved:
        raise RegionSelectionError(field_residency, "no candidate region may hold the data of markets %s "
                                   "under the residency rules; allow a region in their jurisdiction "
                                   "(providers, exclude_regions, include_restricted_partitions) or override "
                                   "the rule" % ", ".join(names[i] for i in unserved),
                                   markets=[names[i] for i in unserved])
    if inst.slo_ms is not None:
        best = np.where(inst.allowed, inst.latency, np.inf).min(axis=1)
        share = coverage(inst, best)
        bad = [i for i in range(inst.n_markets) if share[i] < inst.slo_quantile - 1e-7]
        if bad:
            detail = ", ".join("%s (best p%g %.0f ms)" % (
                names[i], inst.slo_quantile * 100,
                weighted_quantile(best[inst.market == i], inst.weight[inst.market == i], inst.slo_quantile))
                for i in bad)
            raise RegionSelectionError(field_slo, "the SLO of %g ms at p%g is unreachable even with every allowed region "
                                       "open for markets %s; raise the SLO or allow closer regions"
                                       % (inst.slo_ms, inst.slo_quantile * 100, detail),
                                       markets=[names[i] for i in bad])
    if inst.k_min > inst.n_regions:
        raise RegionSelectionError("min_regions", "%d regions requested (regions or min_regions) but only %d candidates remain"
                                   % (inst.k_min, inst.n_regions))

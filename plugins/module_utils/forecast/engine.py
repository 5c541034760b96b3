# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Forecasting over a regular time series (pure computation, no I/O).

Pipeline: ``regularize`` (grid, gaps, NaN, negatives) -> ``clip_outliers`` -> ``detect_seasonality``
-> candidate models -> rolling-origin backtest on the series' own recent history -> automatic
choice -> quantiles calibrated from the backtest errors.

Every model produces, for a set of forecast origins, a matrix of ``h``-step forecasts in one
vectorised pass (parameters are estimated once, states are filtered causally), so the backtest
costs about as much as one fit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import math
import warnings
from datetime import datetime, timezone

from ansible_collections.meridian.global_infra.plugins.module_utils.common.timestamps import parse_epoch

try:
    import numpy as np
    HAS_NUMPY = True
except ImportError:  # pragma: no cover - guarded for ansible-test import sanity
    np = None
    HAS_NUMPY = False

try:
    from scipy.optimize import minimize_scalar
    from scipy.signal import lfilter
    from scipy.special import boxcox as _boxcox, inv_boxcox as _inv_boxcox
    HAS_SCIPY = True
except ImportError:  # pragma: no cover
    lfilter = minimize_scalar = _boxcox = _inv_boxcox = None
    HAS_SCIPY = False

try:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing, SimpleExpSmoothing
    from statsmodels.tsa.seasonal import MSTL, seasonal_decompose
    from statsmodels.tsa.stattools import acf
    HAS_STATSMODELS = True
except ImportError:  # pragma: no cover
    HAS_STATSMODELS = False

DAY = 86400
WEEK = 7 * DAY

#: Models a user may ask for; ``auto`` chooses among them by backtest.
MODELS = ("auto", "naive", "seasonal_naive", "holt_winters", "mstl", "ses", "seasonal_change", "theta")
#: Baselines evaluated by the backtest benchmark.
BASELINES = ("naive", "seasonal_naive", "holt_winters")

# A season is kept only when the autocorrelation of the series (after removing a slow trend)
# at the seasonal lag is at least this strong.
_SEASONAL_ACF_MIN = 0.2
# Outliers are clipped at this many robust standard deviations from a rolling median.
_OUTLIER_SIGMAS = 6.0
# Longest history (in weeks) any model looks at; longer histories add cost, not accuracy.
MAX_HISTORY_WEEKS = 4
# Longest span (in days) of the rolling-origin backtest that chooses the model and calibrates quantiles.
BACKTEST_DAYS = 7
# Lead times scored by the backtest (all up to this many, then a geometric grid).
LEAD_GRID = 24
# A challenger (the Theta method, or a baseline fitted to the observed series) replaces the automatic
# choice when its backtest error is lower by at least this share on both halves of the origins
# (:func:`_challenge`).
CHALLENGER_GAIN = 0.05
# A level break (:func:`_level_break`): over the newest hour the choice's one-step errors are at least
# this many times its one-step errors on the backtest (each by their median)...
BREAK_FACTOR = 4.0
# ... and those of the last value (naive) are at most this share of the choice's.
BREAK_NAIVE_SHARE = 0.5


class ForecastError(MeridianError):
    """Bad input for forecasting: ``field`` names the offending input, the message the fix."""

    def __init__(self, msg, field=None):
        super(ForecastError, self).__init__(field, msg, prefix=False)


def missing_libraries():
    """Names of the Python libraries this module needs but cannot import."""
    missing = []
    if not HAS_NUMPY:
        missing.append("numpy")
    if not HAS_SCIPY:
        missing.append("scipy")
    if not HAS_STATSMODELS:
        missing.append("statsmodels")
    return missing


# --------------------------------------------------------------------------------------------
# Time handling and cleaning
# --------------------------------------------------------------------------------------------

def to_epoch(value, field="timestamp"):
    """Epoch seconds from an int/float, a numeric string, an ISO-8601 string or a datetime."""
    try:
        return parse_epoch(value)
    except ValueError as err:
        raise ForecastError("%s: %s" % (field, err), field)


def iso_utc(epoch):
    """ISO-8601 UTC string (``2024-05-01T12:00:00Z``) of epoch seconds."""
    return datetime.fromtimestamp(float(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Series:
    """A regular series: ``values[i]`` is the value at ``start + i * step`` (epoch seconds).

    ``last_observed`` is the time of the newest real (finite) sample; it is earlier than ``end``
    when the newest points were NaN and filled in. Defaults to ``end``.
    """

    def __init__(self, start, step, values, filled=0, last_observed=None):
        self.start = float(start)
        self.step = int(step)
        self.values = values
        self.filled = int(filled)
        self.last_observed = self.end if last_observed is None else float(last_observed)

    @property
    def end(self):
        return self.start + (len(self.values) - 1) * self.step

    def __len__(self):
        return len(self.values)


def regularize(points, step=None, max_missing=0.2, field="series"):
    """Put ``points`` (pairs ``(time, value)``) on a regular grid.

    Duplicated timestamps keep the last value, gaps and NaN are filled by linear interpolation
    (at most ``max_missing`` of the grid), negative values are rejected.
    """
    if not HAS_NUMPY:
        raise ForecastError("numpy is required", field)
    if points is None or len(points) == 0:
        raise ForecastError("%s is empty: give at least two points (time, value)" % field, field)
    if not isinstance(points[0], dict):
        try:
            arr = np.asarray(points, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.ndim == 2 and arr.shape[1] == 2:
            return regularize_arrays(arr[:, 0], arr[:, 1], step, max_missing, field)
    times = []
    vals = []
    for point in points:
        if isinstance(point, dict):
            t_raw, v_raw = point.get("time", point.get("timestamp")), point.get("value")
        else:
            try:
                t_raw, v_raw = point[0], point[1]
            except (TypeError, IndexError, KeyError):
                raise ForecastError("%s must be a list of [time, value] pairs" % field, field)
        times.append(to_epoch(t_raw, field))
        try:
            vals.append(float("nan") if v_raw is None else float(v_raw))
        except (TypeError, ValueError):
            raise ForecastError("%s has a non-numeric value %r" % (field, v_raw), field)
    return regularize_arrays(np.asarray(times, dtype=float), np.asarray(vals, dtype=float), step,
                             max_missing, field)


def regularize_arrays(times, vals, step=None, max_missing=0.2, field="series"):
    """Array version of :func:`regularize`."""
    times = np.asarray(times, dtype=float)
    vals = np.asarray(vals, dtype=float)
    vals = np.where(np.isinf(vals), np.nan, vals)
    if np.any(vals[np.isfinite(vals)] < 0):
        raise ForecastError("%s has negative values; load metrics must be >= 0 (fix the query, e.g. "
                            "wrap it in clamp_min(..., 0))" % field, field)
    order = np.argsort(times, kind="stable")
    times, vals = times[order], vals[order]
    if len(times) < 2:
        raise ForecastError("%s has fewer than two points" % field, field)
    if step is None:
        diffs = np.diff(times)
        diffs = diffs[diffs > 0]
        if len(diffs) == 0:
            raise ForecastError("%s has all points at the same time" % field, field)
        step = float(np.median(diffs))
    step = int(round(step))
    if step <= 0:
        raise ForecastError("%s step must be positive" % field, field)
    start = times[0]
    idx = np.rint((times - start) / step).astype(np.int64)
    n = int(idx[-1]) + 1
    grid = np.full(n, np.nan)
    grid[idx] = vals  # later duplicates win
    known = np.isfinite(grid)
    missing = 1.0 - known.mean()
    if known.sum() < 2:
        raise ForecastError("%s has fewer than two finite values" % field, field)
    if missing > max_missing:
        raise ForecastError("%s is %.0f%% missing or NaN (more than %.0f%%): fix the source or shorten "
                            "the range" % (field, 100 * missing, 100 * max_missing), field)
    filled = int((~known).sum())
    last_observed = start + int(np.nonzero(known)[0][-1]) * step
    if filled:
        pos = np.arange(n)
        grid = np.interp(pos, pos[known], grid[known])
    return Series(start, step, grid, filled, last_observed)


def _rolling_median(y, window):
    """Centred rolling median (edges use the nearest full window)."""
    n = len(y)
    if n <= window:
        return np.full(n, np.median(y))
    from numpy.lib.stride_tricks import sliding_window_view
    med = np.median(sliding_window_view(y, window), axis=1)
    half = window // 2
    out = np.empty(n)
    out[half:half + len(med)] = med
    out[:half] = med[0]
    out[half + len(med):] = med[-1]
    return out


def clip_outliers(y, sigmas=_OUTLIER_SIGMAS, window=7):
    """Clip points further than ``sigmas`` robust deviations from a rolling median.

    Returns ``(clipped copy, number of clipped points)``. Used for fitting only: margins are
    calibrated against the raw values, so real spikes still widen the quantiles.
    """
    base = _rolling_median(y, window)
    resid = y - base
    mad = np.median(np.abs(resid - np.median(resid))) * 1.4826
    if mad <= 0:
        # more than half the points sit on the median: use the mean absolute deviation instead
        mad = np.mean(np.abs(resid)) * 1.2533
    if not np.isfinite(mad) or mad <= 0:
        return y.copy(), 0
    lo, hi = base - sigmas * mad, base + sigmas * mad
    out = np.clip(y, lo, hi)
    out = np.maximum(out, 0.0)
    # The newest points have no right-hand neighbours: a spike cannot be told from the start of
    # a real change there, and these points drive the next forecasts, so they are kept as observed.
    half = window // 2
    if half:
        out[-half:] = y[-half:]
    return out, int(np.sum(out != y))


def steps_per(seconds, step):
    return int(round(seconds / float(step)))


def detect_seasonality(y, step):
    """Seasonal periods (in steps) found in ``y``: daily and/or weekly, strongest first.

    A period is considered only when the history holds at least two full seasons and the
    autocorrelation at that lag is clearly positive.
    """
    found = []
    n = len(y)
    cands = []
    for seconds in (DAY, WEEK):
        m = steps_per(seconds, step)
        if m >= 2 and n >= 2 * m and seconds % step == 0:
            cands.append(m)
    if not cands:
        return found
    z = y - _moving_average(y, max(cands[0], 3))
    if np.std(z) <= 0:
        return found
    corr = acf(z, nlags=max(cands), fft=True, missing="none")
    for m in cands:
        if corr[m] >= _SEASONAL_ACF_MIN:
            found.append((corr[m], m))
    found.sort(key=lambda item: item[1])
    return [m for _c, m in found]


def _moving_average(y, window):
    """Centred moving average of length ``window`` (same length as y, edges held)."""
    n = len(y)
    if window >= n:
        return np.full(n, y.mean())
    c = np.cumsum(np.insert(y, 0, 0.0))
    ma = (c[window:] - c[:-window]) / window
    half = window // 2
    out = np.empty(n)
    out[half:half + len(ma)] = ma
    out[:half] = ma[0]
    out[half + len(ma):] = ma[-1]
    return out


# --------------------------------------------------------------------------------------------
# Models. Each one has ``fit(y, train_end)`` (parameters from y[:train_end] or y) and
# ``paths(origins, ks)`` -> (len(origins), len(ks)) forecasts made at each origin (index of the
# last observed point) for the lead times ``ks`` (steps, >= 1), plus ``forecast(h)`` from the end of y.
# --------------------------------------------------------------------------------------------

def _season_index(t, k, m):
    """Index of the last observed value in the same seasonal position as t + k (k >= 1)."""
    return t + k - m * ((k - 1) // m + 1)


class _Naive:
    name = "naive"

    def fit(self, y, train_end, periods):
        self.y = y
        return self

    def paths(self, origins, ks):
        return np.repeat(self.y[origins][:, None], len(ks), axis=1)

    def forecast(self, h):
        return np.full(h, self.y[-1])


class _SeasonalNaive:
    name = "seasonal_naive"

    def __init__(self, period):
        self.m = period

    def fit(self, y, train_end, periods):
        self.y = y
        return self

    def paths(self, origins, ks):
        return self.y[_season_index(origins[:, None], np.asarray(ks)[None, :], self.m)]

    def forecast(self, h):
        return self.paths(np.array([len(self.y) - 1]), np.arange(1, h + 1))[0]


class _SeasonalChange:
    """The last value plus the change seen over the same lead times one (or more) seasons before.

    ``y[t + k] = y[t] + mean_j (y[t + k - j m] - y[t - j m])`` over the ``J`` last seasons of the
    longest period ``m``: the seasonal shape of the next hours anchored on the load seen now (the
    forecast of a seasonal random walk). ``J`` is fixed at fitting time as the number of whole seasons
    before ``train_end``, at most three, so the backtest and the final forecast use the same number;
    with three the median replaces the mean (one holiday among them does not count). Fitted to the
    log of the series, the change is relative.
    """
    name = "seasonal_change"

    def __init__(self, periods, most=3):
        self.m = max(periods)
        self.most = most

    def fit(self, y, train_end, periods):
        self.y = y
        self.J = int(max(1, min(self.most, (train_end - 1) // self.m)))
        return self

    def paths(self, origins, ks):
        o = np.asarray(origins)[:, None]
        k = np.asarray(ks)[None, :]
        diffs = []
        for j in range(1, self.J + 1):
            shift = self.m * (j + (k - 1) // self.m)
            diffs.append(self.y[np.maximum(o + k - shift, 0)] - self.y[np.maximum(o - shift, 0)])
        d = np.median(np.stack(diffs), axis=0) if len(diffs) >= 3 else np.mean(np.stack(diffs), axis=0)
        return self.y[o] + d

    def forecast(self, h):
        return self.paths(np.array([len(self.y) - 1]), np.arange(1, h + 1))[0]


class _Ses:
    """Simple exponential smoothing on the (cleaned) series: a smoothed level."""
    name = "ses"

    def fit(self, y, train_end, periods):
        self.y = y
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SimpleExpSmoothing(y[:train_end], initialization_method="heuristic").fit()
        self.alpha = float(min(max(res.params["smoothing_level"], 1e-3), 1.0))
        self.level = _ses_filter(y, self.alpha, float(res.params["initial_level"]))
        return self

    def paths(self, origins, ks):
        return np.repeat(self.level[origins][:, None], len(ks), axis=1)

    def forecast(self, h):
        return np.full(h, self.level[-1])


def _ses_filter(x, alpha, l0):
    """Levels l_t = alpha * x_t + (1 - alpha) * l_{t-1} for all t (scipy lfilter, C speed)."""
    out, _zf = lfilter([alpha], [1.0, alpha - 1.0], x, zi=[(1.0 - alpha) * l0])
    return out


class _Theta:
    """The Theta method (theta = 2, as statsmodels' ``ThetaModel``): SES plus half the linear drift.

    On the main season the series is deseasonalised by a classical additive decomposition
    (statsmodels' ``seasonal_decompose``) of the data before the backtest window; the smoothing
    weight ``alpha`` is the one with the least one-step squared error on the deseasonalised
    training data (:func:`_ses_alpha`). At an origin ``t`` the forecast ``k`` steps ahead is
    ``l_t + b_t / 2 * (k - 1 + 1 / alpha - (1 - alpha) ** (t + 1) / alpha)`` plus the season, with
    ``l_t`` the SES level and ``b_t`` the least-squares slope of the whole history up to ``t``, so
    a slow drift is carried forward where SES holds the last level.
    """
    name = "theta"

    def __init__(self, periods):
        self.m = periods[0] if periods else None

    def fit(self, y, train_end, periods):
        n = len(y)
        self.profile = None
        season = np.zeros(n)
        if self.m and train_end >= 2 * self.m:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dec = seasonal_decompose(y[:train_end], model="additive", period=self.m)
            self.profile = np.asarray(dec.seasonal[:self.m], dtype=float)
            season = self.profile[np.arange(n) % self.m]
        d = y - season
        self.alpha = _ses_alpha(d[:train_end])
        self.level = _ses_filter(d, self.alpha, float(d[0]))
        # the least-squares slope of d[0..t] on time, for every t at once (running sums)
        t = np.arange(n, dtype=float)
        cnt = t + 1.0
        st, stt = np.cumsum(t), np.cumsum(t * t)
        sy, sty = np.cumsum(d), np.cumsum(t * d)
        den = cnt * stt - st * st
        self.slope = np.where(den > 0, (cnt * sty - st * sy) / np.where(den > 0, den, 1.0), 0.0)
        self.n = n
        return self

    def paths(self, origins, ks):
        o = np.asarray(origins)[:, None]
        k = np.asarray(ks)[None, :]
        a = self.alpha
        lead = k - 1.0 + 1.0 / a - (1.0 - a) ** (o + 1.0) / a
        out = self.level[o] + 0.5 * self.slope[o] * lead
        if self.profile is not None:
            out = out + self.profile[(o + k) % self.m]
        return out

    def forecast(self, h):
        return self.paths(np.array([self.n - 1]), np.arange(1, h + 1))[0]


def _ses_alpha(x):
    """The SES smoothing weight on ``x`` from its first value with the least one-step squared error.

    What statsmodels' ``ThetaModel.fit()`` estimates (the first value as known initial level),
    by a bounded scalar search (scipy) over ``lfilter`` passes: a few milliseconds on four weeks
    of 5-minute points.
    """
    x = np.asarray(x, dtype=float)

    def sse(alpha):
        level = _ses_filter(x[:-1], alpha, float(x[0]))
        return float(np.sum((x[1:] - level) ** 2))

    res = minimize_scalar(sse, bounds=(1e-3, 1.0), method="bounded", options={"xatol": 1e-4})
    return 1.0 if sse(1.0) <= res.fun else float(res.x)


class _HoltWinters:
    """Additive Holt-Winters (statsmodels ExponentialSmoothing) on the main season."""
    name = "holt_winters"

    def __init__(self, period):
        self.m = period

    def fit(self, y, train_end, periods):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.res = ExponentialSmoothing(y, trend=None, seasonal="add", seasonal_periods=self.m,
                                            initialization_method="heuristic").fit()
        self.level = np.asarray(self.res.level)
        self.season = np.asarray(self.res.season)
        return self

    def paths(self, origins, ks):
        return self.level[origins][:, None] + self.season[_season_index(origins[:, None], np.asarray(ks)[None, :],
                                                                        self.m)]

    def forecast(self, h):
        return self.paths(np.array([len(self.level) - 1]), np.arange(1, h + 1))[0]


class _Mstl:
    """MSTL decomposition (daily and weekly where the history allows) plus a smoothed level.

    The seasonal profile is estimated on data before the backtest window and carried forward
    (each component repeats its last season); a smoothed level follows the deseasonalised series.
    The backtest never sees the future, and the final forecast is made exactly the way the
    backtest scored it (STL's seasonal estimates at the very end of a series are unreliable).
    """
    name = "mstl"

    def __init__(self, periods):
        self.periods = tuple(periods)

    @staticmethod
    def _decompose(y, periods):
        # statsmodels' MSTL keeps a period only when it is shorter than half the series (it drops
        # the others with a warning): keep the same ones, so that each has its seasonal column
        periods = tuple(m for m in periods if len(y) > 2 * m)
        if not periods:
            return (), None
        jump = [max(1, m // 24) for m in periods]
        # Loess jumps keep the trend and low-pass smoothers cheap; the seasonal smoother runs at
        # every cycle and the inner loop twice, which STL needs to separate the seasons well.
        stl_kwargs = {"seasonal_jump": 1, "trend_jump": max(jump), "low_pass_jump": max(jump),
                      "inner_iter": 2}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = MSTL(y, periods=periods, iterate=1, stl_kwargs=stl_kwargs).fit()
        seas = np.asarray(res.seasonal, dtype=float)
        if seas.ndim == 1:
            seas = seas[:, None]
        return periods, seas

    @staticmethod
    def _extend(periods, seas, n_total):
        """Seasonal sum over 0..n_total-1; past the end each component repeats its mean profile.

        The profile of a component of period m is its mean over the last seasons (a week's worth,
        at least two): STL's estimates in the last season are edge estimates, and repeating only
        that season carries its distortions (including a jump where it wraps) into the forecast.
        """
        n = seas.shape[0]
        total = seas.sum(axis=1)
        if n_total <= n:
            return total[:n_total]
        out = np.empty(n_total)
        out[:n] = total
        extra = np.arange(n, n_total)
        acc = np.zeros(len(extra))
        week = max(periods)
        for j, m in enumerate(periods):
            reps = max(1, min(n // m, max(2, week // m)))
            base = n - reps * m
            profile = seas[base:n, j].reshape(reps, m).mean(axis=0)
            acc += profile[(extra - base) % m]
        out[n:] = acc
        return out

    def _level_model(self, d, train_end):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SimpleExpSmoothing(d[:train_end], initialization_method="heuristic").fit()
        alpha = float(min(max(res.params["smoothing_level"], 1e-3), 1.0))
        return _ses_filter(d, alpha, float(res.params["initial_level"]))

    def fit(self, y, train_end, periods):
        self.y = y
        n = len(y)
        p_bt, seas_bt = self._decompose(y[:train_end], self.periods)
        if seas_bt is None:
            raise ForecastError("history too short for MSTL", "series")
        self.s_bt = self._extend(p_bt, seas_bt, n + 1)
        self.l_bt = self._level_model(y - self.s_bt[:n], train_end)
        self.p_bt, self.seas_bt = p_bt, seas_bt
        self.final = None
        return self

    def paths(self, origins, ks):
        idx = origins[:, None] + np.asarray(ks)[None, :]
        n = len(self.y)
        s = self._extend(self.p_bt, self.seas_bt, int(idx.max()) + 1) if idx.max() >= len(self.s_bt) else self.s_bt
        return self.l_bt[origins][:, None] + s[idx]

    def forecast(self, h):
        # the profile the backtest scored (estimated before the backtest window, so free of the
        # unreliable end-of-series seasonal estimates of STL), carried forward with the level
        return self.paths(np.array([len(self.y) - 1]), np.arange(1, h + 1))[0]


class BoxCox:
    """Box-Cox transform ``z = ((y + shift) ** lam - 1) / lam`` (``log(y + shift)`` when lam = 0).

    With ``lam`` below 1 the spread of the load around its level shrinks where the level is
    high and grows where it is low (multiplicative seasonality and errors): an error model that
    is additive in ``z`` gives relative, not absolute, errors. The inverse of a forecast of the
    median of ``z`` is the median of ``y`` (the transform is monotone), so back-transformed
    forecasts and quantiles need no bias correction.
    """

    def __init__(self, lam, shift=0.0):
        self.lam = float(lam)
        self.shift = float(shift)

    @property
    def label(self):
        return "log" if self.lam == 0.0 else "boxcox(%.2f)" % self.lam

    def forward(self, y):
        return _boxcox(np.maximum(y, 0.0) + self.shift, self.lam)

    def inverse(self, z):
        if self.lam > 0.0:
            # keep lam * z + 1 > 0: the inverse of the lowest representable value is 0 + shift
            z = np.maximum(z, -1.0 / self.lam)
        return np.maximum(_inv_boxcox(z, self.lam) - self.shift, 0.0)


def _positive_shift(y):
    """Offset that makes every value positive: 0, or half the smallest positive value."""
    if np.min(y) > 0:
        return 0.0
    pos = y[y > 0]
    return float(pos.min()) / 2.0 if len(pos) else 1.0


def guerrero_lambda(y, block):
    """Box-Cox lambda in [0, 1] that best stabilises the variance of ``y`` (Guerrero's method).

    ``y`` is cut into consecutive blocks of ``block`` points; lambda minimises the coefficient of
    variation of ``sd_i / mean_i ** (1 - lambda)`` over the blocks, i.e. makes the spread of the
    load independent of its level. 0 is a log transform, 1 leaves the series as it is.
    """
    block = max(int(block), 2)
    k = len(y) // block
    if k < 4:
        return 1.0
    b = np.asarray(y[len(y) - k * block:], dtype=float).reshape(k, block)
    mu = b.mean(axis=1)
    sd = b.std(axis=1, ddof=1)
    keep = (mu > 0) & (sd > 0)
    if keep.sum() < 4:
        return 1.0
    mu, sd = mu[keep], sd[keep]
    logmu = np.log(mu)

    def cv(lam):
        ratio = sd * np.exp((lam - 1.0) * logmu)
        return float(np.std(ratio, ddof=1) / np.mean(ratio))

    res = minimize_scalar(cv, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-3})
    lam = float(res.x)
    # the bounded search never returns an end point exactly: snap to log / none when they do as well
    for end in (0.0, 1.0):
        if cv(end) <= res.fun + 1e-9:
            lam = end
    return round(lam, 3)


class _Transformed:
    """A model fitted to the Box-Cox transform of the series; forecasts are back-transformed."""

    def __init__(self, inner, tf):
        self.inner = inner
        self.tf = tf
        self.name = "%s+%s" % (inner.name, tf.label)

    def fit(self, y, train_end, periods):
        self.inner.fit(self.tf.forward(y), train_end, periods)
        return self

    def zpaths(self, origins, ks):
        return self.inner.paths(origins, ks)

    def zforecast(self, h):
        return self.inner.forecast(h)

    def paths(self, origins, ks):
        return self.tf.inverse(self.zpaths(origins, ks))

    def forecast(self, h):
        return self.tf.inverse(self.zforecast(h))


class _Shifted:
    """A fitted model whose forecast from the end of the series is moved by ``shift``.

    The shift is in the model's own scale (the transform's, for a transformed model). It holds for
    the first ``span`` steps, the stretch of load it was measured on, then fades linearly to nothing
    over as many again. The model's paths over the backtest are its own, so the margins keep its
    own errors.
    """

    def __init__(self, inner, shift, span):
        self.inner = inner
        self.shift = float(shift)
        self.span = int(span)
        self.tf = getattr(inner, "tf", None)
        self.name = "%s (level corrected)" % inner.name

    def _moves(self, h):
        k = np.arange(1, h + 1, dtype=float)
        return self.shift * np.clip(2.0 - k / self.span, 0.0, 1.0)

    def zpaths(self, origins, ks):
        return self.inner.zpaths(origins, ks)

    def zforecast(self, h):
        return self.inner.zforecast(h) + self._moves(h)

    def paths(self, origins, ks):
        return self.inner.paths(origins, ks)

    def forecast(self, h):
        if self.tf is not None:
            return self.tf.inverse(self.zforecast(h))
        return self.inner.forecast(h) + self._moves(h)


class _Ensemble:
    """Mean of two fitted models (in the transformed scale when both share one transform)."""

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.name = "ensemble(%s+%s)" % (a.name, b.name)
        ta, tb = getattr(a, "tf", None), getattr(b, "tf", None)
        self.tf = ta if (ta is not None and ta is tb) else None

    def zpaths(self, origins, ks):
        return 0.5 * (self.a.zpaths(origins, ks) + self.b.zpaths(origins, ks))

    def zforecast(self, h):
        return 0.5 * (self.a.zforecast(h) + self.b.zforecast(h))

    def paths(self, origins, ks):
        if self.tf is not None:
            return self.tf.inverse(self.zpaths(origins, ks))
        return 0.5 * (self.a.paths(origins, ks) + self.b.paths(origins, ks))

    def forecast(self, h):
        if self.tf is not None:
            return self.tf.inverse(self.zforecast(h))
        return 0.5 * (self.a.forecast(h) + self.b.forecast(h))


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

def mase_scale(y, period):
    """In-sample mean absolute error of the seasonal-naive forecast (naive if too short)."""
    if period < 1 or len(y) <= period:
        period = 1
    d = np.abs(y[period:] - y[:-period])
    scale = float(d.mean()) if len(d) else 0.0
    if scale <= 0:
        d1 = np.abs(np.diff(y))
        scale = float(d1.mean()) if len(d1) and d1.mean() > 0 else 1.0
    return scale


def smape(actual, pred):
    """Symmetric MAPE in percent (0..200); points where both are 0 count as 0."""
    actual = np.asarray(actual, dtype=float)
    pred = np.asarray(pred, dtype=float)
    den = np.abs(actual) + np.abs(pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(den > 0, 2.0 * np.abs(actual - pred) / den, 0.0)
    return float(100.0 * terms.mean())


# --------------------------------------------------------------------------------------------
# Automatic choice and calibrated quantiles
# --------------------------------------------------------------------------------------------

class ForecastResult:
    """Output of :func:`forecast`: point forecast, calibrated quantiles and the backtest."""

    def __init__(self, **kwargs):
        self.mean = kwargs["mean"]
        self.quantiles = kwargs.get("quantiles", {})
        self.model = kwargs["model"]
        self.periods = kwargs.get("periods", [])
        self.backtest_mase = kwargs.get("backtest_mase")
        self.backtest_smape = kwargs.get("backtest_smape")
        self.coverage = kwargs.get("coverage", {})
        self.candidates = kwargs.get("candidates", {})
        self.warnings = kwargs.get("warnings", [])
        self.clipped = kwargs.get("clipped", 0)
        self.margins = kwargs.get("margins", {})
        self.transform = kwargs.get("transform", "none")
        # the chosen model's backtest (a MarginBacktest, None without one): callers calibrate
        # margins to their own targets on it (calibrate_to_target)
        self.backtest = kwargs.get("backtest")

    def as_dict(self):
        return {
            "model": self.model,
            "periods": list(self.periods),
            "backtest_mase": self.backtest_mase,
            "backtest_smape": self.backtest_smape,
            "candidates": dict(self.candidates),
            "margins": dict((str(q), form) for q, form in self.margins.items()),
            "transform": self.transform,
            "warnings": list(self.warnings),
        }


class InsufficientHistory(ForecastError):
    """The history is shorter than two seasons: callers fall back to reactive sizing."""


def min_history_steps(step):
    """Two daily seasons, the least history a forecast is made from."""
    return 2 * max(steps_per(DAY, step), 2)


def _backtest_origins(n, h, step, min_train):
    """Origins (indices of the last observed point) over the recent history, for horizon h.

    The window spans up to a week (at least four horizons), so that the calibrated quantiles see
    rare bursts and the choice is not decided by one unusual day; at most 400 origins are kept.
    """
    window = max(steps_per(BACKTEST_DAYS * DAY, step), 4 * h, 48)
    last = n - 1 - h
    first = max(last - window + 1, min_train - 1)
    if last < first:
        return np.array([], dtype=np.int64)
    stride = max(1, (last - first + 1) // 400)
    return np.arange(first, last + 1, stride, dtype=np.int64)


def _lead_quantile(values, q):
    """Per-lead-time quantile ``q`` of ``values`` (origins x leads), monotone in the lead time.

    Uses the split-conformal level ``ceil((n + 1) q) / n`` for ``n`` origins (capped at 1), so that
    a fresh error stays below the bound with probability at least ``q``.
    """
    n = values.shape[0]
    if q >= 0.5:
        q = min(1.0, math.ceil((n + 1) * q) / float(n))
    else:
        q = max(0.0, (math.floor((n + 1) * q) - 1) / float(n))
    qe = np.quantile(values, q, axis=0)
    return np.maximum.accumulate(qe) if q >= 0.5 else np.minimum.accumulate(qe)


def pinball(actual, bound, q):
    """Mean quantile (pinball) loss of ``bound`` as the ``q`` quantile of ``actual``."""
    diff = actual - bound
    return float(np.mean(np.maximum(q * diff, (q - 1.0) * diff)))


def lead_grid(h, size=LEAD_GRID):
    """Lead times (steps) the backtest is scored at, and the share of 1..h each one stands for.

    Up to ``size`` leads every lead is kept; beyond, a geometric grid from 1 to h (short leads,
    where errors change fastest, densely; the last lead always). Margins are interpolated between
    grid leads, so a 24 h horizon at 5 min costs about as much as a 2 h one.
    """
    h = int(h)
    if h <= size:
        ks = np.arange(1, h + 1)
    else:
        ks = np.unique(np.round(np.geomspace(1, h, size)).astype(np.int64))
    bounds = np.concatenate([[0.5], (ks[:-1] + ks[1:]) / 2.0, [h + 0.5]])
    weights = np.diff(bounds)
    return ks, weights / weights.sum()


def _weighted_mae(err, weights):
    return float(np.dot(np.mean(np.abs(err), axis=0), weights))


#: Error forms the calibration chooses from: the spread of the error grows like
#: ``base(level) = 1``, ``sqrt(level + scale)`` (count-like load) or ``level + scale``.
MARGIN_FORMS = ("additive", "sqrt", "proportional")


def _form_base(form, level, scale):
    level = np.maximum(level, 0.0) + scale
    if form == "proportional":
        return level
    if form == "sqrt":
        return np.sqrt(level)
    return np.ones_like(level)


class MarginBacktest:
    """The backtest a margin is calibrated on, and the bounds each error form gives.

    ``err`` are the backtest errors (origins x leads, in time order) of the forecasts ``pred``,
    ``ks`` the lead times of the columns (default 1..n), ``point`` the point forecast from the end
    of the series, ``scale`` the in-sample seasonal-naive error (keeps ratios finite near zero),
    ``transformed`` ``(transform, z forecasts on the backtest, z point forecast)`` when the model
    was fitted to a transformed series, ``last`` the observed value at each origin (the load the
    decision sees when it is made).
    """

    def __init__(self, err, pred, scale, point, ks=None, transformed=None, last=None):
        self.err = err
        self.pred = pred
        self.scale = scale
        self.point = np.asarray(point, dtype=float)
        self.ks = np.arange(1, err.shape[1] + 1) if ks is None else np.asarray(ks)
        self.last = None if last is None else np.asarray(last, dtype=float)
        self.forms = list(MARGIN_FORMS)
        self.tf = self.zpred = self.zpoint = self.zerr = None
        if transformed is not None:
            self.tf, self.zpred, self.zpoint = transformed
            self.zerr = self.tf.forward(pred + err) - self.zpred
            self.forms.append("transformed")

    @property
    def actual(self):
        return self.pred + self.err

    def ratios(self, form, q, rows=slice(None)):
        """Per-lead ``q`` quantile of the errors of ``rows`` divided by the form's base."""
        if form == "transformed":
            return _lead_quantile(self.zerr[rows], q)
        return _lead_quantile(self.err[rows] / _form_base(form, self.pred[rows], self.scale), q)

    def bound(self, form, rows, ratio):
        """The bound (load) on the backtest ``rows`` given per-lead ``ratio``."""
        if form == "transformed":
            return self.tf.inverse(self.zpred[rows] + ratio[None, :])
        return self.pred[rows] + ratio[None, :] * _form_base(form, self.pred[rows], self.scale)

    def margin(self, form, q):
        """``(margin over the horizon, margin on the backtest)`` of ``form`` at ``q``, from all origins."""
        ratio = self.ratios(form, q)
        bt_margin = self.bound(form, slice(None), ratio) - self.pred
        ext = np.interp(np.arange(1, len(self.point) + 1), self.ks, ratio)
        if form == "transformed":
            return self.tf.inverse(self.zpoint + ext) - self.point, bt_margin
        return ext * _form_base(form, self.point, self.scale), bt_margin

    def split(self):
        """Older and newer halves of the origins (split conformal), or None when too few."""
        half = self.err.shape[0] // 2
        if half < 20:
            return None
        return slice(0, half), slice(half, None)


def calibrate_margin(err, pred, scale, q, point, ks=None, transformed=None):
    """Margin added to the point forecast so that it becomes the ``q`` quantile.

    Three error forms are calibrated from the backtest errors ``err`` (origins x leads, in time
    order) of the forecasts ``pred``: additive (a margin per lead time), growing with the square
    root of the forecast level (count-like load), and proportional to it. Errors are divided by
    the form's base (``1``, ``sqrt(pred + scale)``, ``pred + scale``; ``scale`` is the in-sample
    seasonal-naive error, which keeps the ratio finite near zero). When the model was fitted to a
    transformed series, ``transformed`` is ``(transform, z forecasts on the backtest, z point
    forecast)`` and a fourth form is additive in the transformed scale, back-transformed (the
    quantile of ``z`` maps to the quantile of the load). Each form is calibrated on the older half
    of the origins (split conformal) and scored by the pinball loss on the newer half; the best
    one is then calibrated on all origins. ``ks`` are the lead times of the columns (default
    1..n); margins between and beyond them are interpolated and held.
    Returns ``(margin over the horizon, margin on the backtest, form name)``.
    """
    bt = err if isinstance(err, MarginBacktest) else MarginBacktest(err, pred, scale, point, ks, transformed)
    form = "additive"
    halves = bt.split()
    if halves is not None:
        old, new = halves
        actual_new = bt.actual[new]
        losses = dict((name, pinball(actual_new, bt.bound(name, new, bt.ratios(name, q, old)), q))
                      for name in bt.forms)
        form = min(bt.forms, key=lambda name: losses[name])
    margin, bt_margin = bt.margin(form, q)
    return margin, bt_margin, form


def target_levels(allowed):
    """Quantile levels tried for an allowed under-provisioned fraction, cheapest first.

    Geometric around the target: ``1 - allowed * m`` for ``m`` from 64 down to 1/5 in steps of
    a factor sqrt(2) (so 0.995 is tried for 0.005), kept within [0.5, 0.9995].
    """
    levels = set()
    for k in range(-12, 5):
        levels.add(round(min(0.9995, max(0.5, 1.0 - allowed * 2.0 ** (-k / 2.0))), 6))
    levels.add(round(min(0.9995, max(0.5, 1.0 - allowed * 0.2)), 6))
    return sorted(levels)


#: A day's mean load this many times above or below the backtest window's mean is a new regime
#: (:func:`regime_change`).
REGIME_FACTOR = 4.0
#: An hour's mean load this many times above the highest of the same hour on the days of the
#: backtest window is a new regime (a burst): the range of those days already holds their ordinary
#: spread, so a smaller factor than the level's. Below the lowest, the level's factor applies (a
#: quiet hour costs nothing when it is short of the margin; a fall to a small fraction is a drain).
REGIME_HOUR_FACTOR = 2.0


def regime_change(values, step, factor=REGIME_FACTOR, hour_factor=REGIME_HOUR_FACTOR):
    """Why the newest load is outside what the margin's backtest saw, or None.

    The backtest's errors come from its window (the last :data:`BACKTEST_DAYS` days); after a
    change of regime (a fleet drained, a new workload, a burst unlike any of the window) they no
    longer say how far the load can stray, and the cheapest margin that met the target there
    may be far too small. Two checks:

    - the level: the mean of the last day against the mean of the window, by ``factor``;
    - the time of day: the mean of the last hour against the means of the same hour on each
      earlier day of the window, above the highest by ``hour_factor`` or below the lowest by
      ``factor``.

    The level check holds until the new level is most of the window, the time-of-day check
    until a day of it is history.
    """
    y = np.asarray(values, dtype=float)
    day = steps_per(DAY, step)
    hour = max(1, steps_per(3600, step))
    days = min(BACKTEST_DAYS, len(y) // day - 1) if day > 0 else 0
    if days < 1:
        return None
    recent_day = float(np.mean(y[-day:]))
    window = float(np.mean(y[-days * day:]))
    if recent_day * factor < window or recent_day > window * factor:
        return "mean load of the last day %.4g against %.4g over the backtest window" % (recent_day, window)
    n = len(y)
    last_hour = float(np.mean(y[n - hour:]))
    same = [float(np.mean(y[n - hour - d * day:n - d * day])) for d in range(1, days + 1)]
    if last_hour * factor < min(same) or last_hour > max(same) * hour_factor:
        return "mean load of the last hour %.4g outside %.4g to %.4g at that hour on the %d days before" % (
            last_hour, min(same), max(same), days)
    return None


def calibrate_to_target(bt, allowed, window, point_ratio=1.0, ceiling=None, regime=None):
    """The cheapest margin whose decisions meet ``allowed`` under-provisioned steps on the backtest.

    A decision made at an origin holds, until the next one, the highest bound over the leads
    ``1..window[1]`` (at least the load observed at the origin, and the point forecast times
    ``point_ratio`` when the point forecast is sized at a lower utilisation than the bound, at
    most ``ceiling`` unless the point forecast goes higher); the steps it serves are the leads
    ``window[0]..window[1]``. For every error form and every level of :func:`target_levels`,
    the bound is calibrated on one half of the origins and such decisions are replayed on the
    other (both ways): among the pairs whose share of short steps and share of the load left
    unserved, over both halves, are at most ``allowed``, the one with the least capacity wins, and is then calibrated on all origins. When none meets it, the
    cheapest of the pairs that miss by at most ``allowed`` more than the best one is taken.
    With ``regime`` (a new regime: :func:`regime_change`) the backtest does not describe the
    load any more: the level is at least ``1 - allowed`` (the quantile the target names), in
    the form with the least pinball loss at that level (:func:`calibrate_margin`).
    Returns ``(margin over the horizon, margin on the backtest, form, level, backtest share of
    short steps of the chosen pair)``.
    """
    first, last = int(window[0]), int(window[1])
    ks = bt.ks
    held = (ks <= last)
    served = (ks >= first) & (ks <= last)
    if not held.any():
        held = ks == ks[0]
    if not served.any():
        served = held
    levels = target_levels(allowed)
    halves = bt.split()
    if halves is None:
        form = "additive"
        q = levels[-1] if allowed < 1.0 - levels[-1] else 1.0 - allowed
        q = min(max(q, 0.5), 0.9995)
        margin, bt_margin = bt.margin(form, q)
        return margin, bt_margin, form, q, None
    old, new = halves
    # Two folds: calibrated on the older half and replayed on the newer, and the other way round
    # (the errors are taken as exchangeable, as for any conformal bound): twice the replayed steps.
    folds = []
    for fit, rows in ((old, new), (new, old)):
        pred = bt.pred[rows]
        point_cap = np.max(pred[:, held], axis=1) * point_ratio
        extra = point_cap if bt.last is None else np.maximum(point_cap, bt.last[rows])
        top = None if ceiling is None else np.maximum(ceiling, point_cap)
        folds.append((fit, rows, bt.actual[rows][:, served], extra, top))
    steps = sum(f[2].size for f in folds)
    total = sum(float(np.sum(f[2])) for f in folds)
    table = []
    for form in bt.forms:
        for q in levels:
            n_short, lost, spent = 0, 0.0, 0.0
            for fit, rows, actual, extra, top in folds:
                cap = np.maximum(np.max(bt.bound(form, rows, bt.ratios(form, q, fit))[:, held], axis=1), extra)
                if top is not None:
                    cap = np.minimum(cap, top)
                over = actual - cap[:, None]
                n_short += int(np.sum(over > 0))
                lost += float(np.sum(np.maximum(over, 0.0)))
                spent += float(np.sum(cap))
            # the share of short steps, and the share of the load left unserved against the same
            # target (a spiky series may have few short steps but lose much load on them)
            miss = max(n_short / float(steps), lost / max(total, 1e-12))
            table.append((miss, spent, form, q, n_short / float(steps)))
    # The cheapest pair that meets the target; when none does, the cheapest of those that miss it
    # by less than the target's own size more than the best: a smaller gain is not worth paying for
    # (on a bursty series the higher levels pay for every burst of the backtest at every step).
    least = min(row[0] for row in table)
    limit = allowed if least <= allowed else least + allowed
    _miss, _spent, form, q, short = min((row for row in table if row[0] <= limit), key=lambda row: row[1])
    cautious = min(max(round(1.0 - allowed, 6), 0.5), 0.9995)
    if regime and q < cautious:
        margin, bt_margin, form = calibrate_margin(bt, None, None, cautious, None)
        short = next((row[4] for row in table if row[2] == form and row[3] == cautious), None)
        return margin, bt_margin, form, cautious, short
    margin, bt_margin = bt.margin(form, q)
    return margin, bt_margin, form, q, short


#: Variance-stabilising transforms: ``auto`` adds candidates fitted to the log of the series
#: (multiplicative seasonality and errors) and lets the backtest choose; ``log`` and ``boxcox``
#: (lambda by Guerrero's method on the training window) replace the series by its transform.
TRANSFORMS = ("auto", "none", "log", "boxcox")
# Models whose forecasts change under a monotone transform (naive ones are invariant).
_TRANSFORMABLE = ("ses", "holt_winters", "mstl", "seasonal_change")


def _choose_transform(train, daily, transform):
    """The Box-Cox transform tried for ``train`` (None when it would leave the series as is)."""
    shift = _positive_shift(train)
    if transform in ("auto", "log"):
        # the multiplicative model: a lambda estimated per window varies from one origin to the
        # next on real load and made the choice less stable than a fixed log in the backtest
        return BoxCox(0.0, shift)
    # blocks of about two hours at the series' step (a twelfth of a day, at least four points):
    # short enough that the level is nearly constant within one, so the spread is the noise
    lam = guerrero_lambda(train + shift, max(4, daily // 12))
    if lam >= 1.0:
        return None
    return BoxCox(lam, shift)


def _build(name, periods, daily):
    main = periods[0] if periods else daily
    if name == "naive":
        return _Naive()
    if name == "seasonal_naive":
        return _SeasonalNaive(main)
    if name == "holt_winters":
        return _HoltWinters(main)
    if name == "mstl":
        return _Mstl(periods or (daily,))
    if name == "ses":
        return _Ses()
    if name == "seasonal_change":
        return _SeasonalChange(periods or (daily,))
    if name == "theta":
        return _Theta(periods)
    raise ForecastError("unknown model %r; use one of %s" % (name, ", ".join(MODELS)), "model")


def _challenge(best, fitted, scores, series, fit_args, backtest, ahead, horizon, notes):
    """``best``, or a challenger that beats it clearly on the backtest.

    The challengers are models the automatic choice does not rank among its candidates, because on
    most series they only add noise to the choice, but which are the robust choice where the
    candidates share a blind spot:

    - the Theta method (:class:`_Theta`) on the cleaned series: a trend-aware forecast, for a load
      that drifts slowly (the candidates hold a level, or a season on it);
    - the simple baselines (:data:`BASELINES`) fitted to the observed series, when the cleaning
      (:func:`clip_outliers`) clipped points: where what it takes for outliers is the load itself (a
      spiky CPU series can lose a fifth of its points to it), every candidate forecasts a load that
      does not come, and the backtest, scored on the observed load, says so. Their names end with
      ``(observed)``.

    Each challenger also competes as its mean with ``best`` (an :class:`_Ensemble`): where the
    choice and a challenger are about as good but wrong in different places, the mean moves the
    choice toward the challenger without giving it up.

    The best of these is taken when its error is at least :data:`CHALLENGER_GAIN` lower than
    ``best``'s on each half of the backtest origins (older and newer), so one unusual stretch cannot
    make the switch, and its forecast from the end of the series stays at or above zero (the domain
    check of the candidates). Each one's score on the newer half is added to ``scores``.
    ``series`` is ``(cleaned, observed, clipped)``.
    """
    cleaned, observed, clipped = series
    periods, daily, train_end = fit_args
    origins, ks, actual, weights, newer = backtest

    def halves(mdl):
        err = mdl.paths(origins, ks) - actual
        return _weighted_mae(err[:newer], weights), _weighted_mae(err[newer:], weights)

    trials = [("theta", "theta", cleaned)]
    if clipped:
        trials += [("%s (observed)" % name, name, observed) for name in BASELINES]
    ref_old, ref_new = halves(fitted[best])
    keep = 1.0 - CHALLENGER_GAIN
    found = None
    for label, name, y in trials:
        try:
            mdl = _build(name, periods, daily).fit(y, train_end, periods)
        except (ForecastError, ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            notes.append("challenger %s skipped: %s" % (label, exc))
            continue
        mdl.name = label
        # the challenger, and the choice moved halfway toward it
        for cand in (mdl, _Ensemble(fitted[best], mdl)):
            old, new = halves(cand)
            scores[cand.name] = new
            if old <= keep * ref_old and new <= keep * ref_new and (found is None or old + new < found[0]):
                path = cand.forecast(horizon)
                if float(np.min(path)) >= 0.0:
                    found = (old + new, cand.name, cand, path)
    if found is None:
        return best
    _total, label, mdl, path = found
    fitted[label] = mdl
    ahead[label] = path
    notes.append("%s chosen over %s: at least %d %% less error on both halves of the backtest"
                 % (label, best, round(100 * CHALLENGER_GAIN)))
    return label


def _level_break(best, fitted, raw, recent, typical, ahead, horizon, notes):
    """``best``, or ``best`` moved to the level of the newest hour when the load has left it there.

    The backtest scores the choice on origins that end a horizon before the end of the series, so a
    change of level in the newest hour (a shift, or a burst that builds or decays) has not counted
    yet, and a model whose level adapts slowly keeps forecasting the old one. When the choice's
    one-step errors over the newest hour (``recent``: the origins, each with a next observed value)
    are at least :data:`BREAK_FACTOR` times its one-step error on the backtest (``typical``) and
    the last value's are at most :data:`BREAK_NAIVE_SHARE` of them, its forecast is moved, in its own
    scale, so that its first step is the last value (an intercept correction: the evidence is that
    the last value forecasts well now); its shape (a season, a trend) is kept. Errors are compared
    by their median, so the new level must have held for about half the hour: a burst a few steps
    old, or a single spike, does not move the forecast.
    """
    mdl = fitted[best]
    one = np.array([1])
    err = raw[recent + 1] - mdl.paths(recent, one)[:, 0]
    own = float(np.median(np.abs(err)))
    naive = float(np.median(np.abs(raw[recent + 1] - raw[recent])))
    if not (typical > 0 and own >= BREAK_FACTOR * typical and naive <= BREAK_NAIVE_SHARE * own):
        return best
    tf = getattr(mdl, "tf", None)
    if tf is not None:
        shift = float(tf.forward(raw[-1:])[0] - mdl.zforecast(1)[0])
    else:
        shift = float(raw[-1] - mdl.forecast(1)[0])
    shifted = _Shifted(mdl, shift, len(recent))
    path = shifted.forecast(horizon)
    if not np.all(np.isfinite(path)):
        return best
    fitted[shifted.name] = shifted
    ahead[shifted.name] = path
    notes.append("%s moved to the newest hour's level: its one-step error there is %.1f times its backtest's, "
                 "the last value's %.0f %% of it" % (best, own / typical, 100.0 * naive / own))
    return shifted.name


def forecast(values, step, horizon, quantiles=(0.5, 0.9, 0.99), model="auto", clean=True, transform="auto"):
    """Forecast ``horizon`` steps after ``values`` (a regular series with ``step`` seconds).

    Returns a :class:`ForecastResult`. Raises :class:`InsufficientHistory` when the history is
    shorter than two daily seasons, :class:`ForecastError` for other bad input.
    """
    if model not in MODELS:
        raise ForecastError("unknown model %r; use one of %s" % (model, ", ".join(MODELS)), "model")
    if transform not in TRANSFORMS:
        raise ForecastError("unknown transform %r; use one of %s" % (transform, ", ".join(TRANSFORMS)), "transform")
    raw = np.asarray(values, dtype=float)
    if raw.ndim != 1 or not np.all(np.isfinite(raw)):
        raise ForecastError("series must be one-dimensional and finite (regularize it first)", "series")
    horizon = int(horizon)
    if horizon < 1:
        raise ForecastError("horizon must be at least one step", "horizon")
    for q in quantiles:
        if not 0.0 < q < 1.0:
            raise ForecastError("quantile %r must be strictly between 0 and 1" % (q,), "quantile")
    daily = max(steps_per(DAY, step), 2)
    max_n = MAX_HISTORY_WEEKS * max(steps_per(WEEK, step), 14)
    if len(raw) > max_n:
        raw = raw[-max_n:]
    n = len(raw)
    need = min_history_steps(step)
    if n < need:
        raise InsufficientHistory("history has %d points, fewer than two seasons (%d points of %ds)"
                                  % (n, need, step), "series")
    notes = []
    y, clipped = clip_outliers(raw) if clean else (raw, 0)
    periods = detect_seasonality(y, step)
    names = [model] if model != "auto" else ["naive", "seasonal_naive", "ses", "holt_winters", "mstl",
                                             "seasonal_change"]
    if model == "auto" and not periods:
        names = ["naive", "seasonal_naive", "ses"]
    h_bt = horizon
    origins = _backtest_origins(n, h_bt, step, min_train=max(daily * 2, n // 2))
    if len(origins) == 0:
        h_bt = max(1, min(horizon, n // 4))
        origins = _backtest_origins(n, h_bt, step, min_train=max(daily, n // 2))
    train_end = int(origins[0]) + 1 if len(origins) else n
    ks, weights = lead_grid(h_bt)
    actual = raw[origins[:, None] + ks[None, :]] if len(origins) else None
    scale = mase_scale(raw[:train_end], daily)
    fitted = {}
    scores = {}
    # The choice is scored on the newer half of the origins: there, models whose estimates are
    # frozen at the start of the window (MSTL's profile) are about as old as in the final forecast.
    newer = len(origins) // 2
    tf = None
    if transform != "none":
        tf = _choose_transform(y[:train_end], daily, transform)
    builds = [(name, None) for name in names]
    if tf is not None:
        # "auto" lets the backtest choose between the series and its transform; "log" and
        # "boxcox" replace the series by its transform (naive forecasts are the same either way)
        if transform != "auto":
            builds = [(name, None) for name in names if name not in _TRANSFORMABLE]
        builds += [(name, tf) for name in names if name in _TRANSFORMABLE]
    for name, mtf in builds:
        try:
            mdl = _build(name, periods, daily)
            if mtf is not None:
                mdl = _Transformed(mdl, mtf)
            mdl = mdl.fit(y, train_end, periods)
            name = mdl.name
        except (ForecastError, ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            notes.append("model %s skipped: %s" % (name, exc))
            continue
        fitted[name] = mdl
        if actual is not None:
            scores[name] = _weighted_mae((mdl.paths(origins, ks) - actual)[newer:], weights)
    if not fitted:
        raise ForecastError("no model could be fitted to the series", "series")
    eligible = list(scores)
    ahead = {}  # forecasts from the end of the series, computed once per candidate
    if model == "auto" and len(scores) >= 2:
        # Load is never negative: a candidate whose forecast from the end of the series falls below
        # zero has left the domain of the data (typically an additive seasonal profile laid on a
        # level that has just collapsed) and is set aside while another candidate stays within it.
        ahead = dict((name, fitted[name].forecast(horizon)) for name in scores)
        inside = [name for name in scores if float(np.min(ahead[name])) >= 0.0]
        if inside:
            eligible = inside
    if actual is not None and len(eligible) >= 2 and model == "auto":
        ranked = sorted(eligible, key=scores.get)
        ens = _Ensemble(fitted[ranked[0]], fitted[ranked[1]])
        fitted[ens.name] = ens
        scores[ens.name] = _weighted_mae((ens.paths(origins, ks) - actual)[newer:], weights)
        eligible.append(ens.name)
    if eligible:
        best = min(eligible, key=scores.get)
    else:
        best = next(iter(fitted))
    if model == "auto" and actual is not None:
        best = _challenge(best, fitted, scores, (y, raw, clipped), (periods, daily, train_end),
                          (origins, ks, actual, weights, newer), ahead, horizon, notes)
        hour = max(6, steps_per(3600, step))
        recent = np.arange(max(n - 1 - hour, train_end), n - 1, dtype=np.int64)
        if len(recent) >= 6 and ks[0] == 1:
            typical = float(np.median(np.abs(actual[:, 0] - fitted[best].paths(origins, ks[:1])[:, 0])))
            best = _level_break(best, fitted, raw, recent, typical, ahead, horizon, notes)
    chosen = fitted[best]
    point = np.maximum(ahead[best] if best in ahead else chosen.forecast(horizon), 0.0)
    result_q = {}
    coverage = {}
    margins = {}
    bt_mase = bt_smape = backtest = None
    if actual is not None:
        pred = chosen.paths(origins, ks)
        err = actual - pred
        bt_mase = _weighted_mae(err, weights) / scale
        bt_smape = smape(actual, pred)
        transformed = None
        if getattr(chosen, "tf", None) is not None:
            transformed = (chosen.tf, chosen.zpaths(origins, ks), chosen.zforecast(horizon))
        backtest = MarginBacktest(err, pred, scale, point, ks, transformed, last=raw[origins])
        for q in quantiles:
            margin, bt_margin, form = calibrate_margin(backtest, pred, scale, q, point)
            margins[q] = form
            result_q[q] = np.maximum(point + margin[:horizon], 0.0)
            coverage[q] = float(np.mean(actual <= pred + bt_margin))
    else:
        notes.append("history too short for a backtest: quantiles equal the point forecast")
        for q in quantiles:
            result_q[q] = point.copy()
    return ForecastResult(mean=point, quantiles=result_q, model=best, periods=[int(p) * int(step) for p in periods],
                          backtest_mase=bt_mase, backtest_smape=bt_smape, coverage=coverage,
                          candidates={name: (score / scale) for name, score in scores.items()},
                          warnings=notes, clipped=clipped, margins=margins, backtest=backtest,
                          transform=chosen.tf.label if getattr(chosen, "tf", None) is not None else "none")


def forecast_series(series, horizon_seconds, quantiles=(0.5, 0.9, 0.99), model="auto", clean=True,
                    transform="auto"):
    """:func:`forecast` on a :class:`Series`, horizon given in seconds."""
    h = max(1, int(math.ceil(horizon_seconds / float(series.step))))
    return forecast(series.values, series.step, h, quantiles=quantiles, model=model, clean=clean,
                    transform=transform)

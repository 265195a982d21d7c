//! The `[sweep]` section in the scenario reference (`docs/scenario-reference.md`,
//! printed by `chipsim schema --markdown`): the section's keys with their allowed
//! values and defaults, the parameters' keys, and every design (one at a time, grid,
//! Latin hypercube, Morris) with its number of points, what it accepts, what
//! `sensitivity.csv` gets and its chart. Limits, defaults and column names are read
//! from the code that checks and writes them, so the page cannot drift from it.

use std::fmt::Write as _;

use crate::output::contract::{
    names, Column as _, MorrisColumn, RegressionColumn, SensitivityColumn, TornadoColumn,
};

use super::spec::{
    DEFAULT_GRID_LEVELS, DEFAULT_MORRIS_LEVELS, DEFAULT_TRAJECTORIES, MAX_LEVELS, MAX_POINTS,
    RESERVED_COLUMNS,
};

/// `` `a`, `b`, `c` `` for column names.
fn code_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The section, as Markdown starting with its `##` heading.
pub fn markdown() -> String {
    let mut text = String::new();
    let fixed = code_list(
        names(SensitivityColumn::ALL).filter(|&name| name != SensitivityColumn::Rank.name()),
    );
    let _ = write!(
        text,
        "## Sweep designs: `[sweep]`

A sensitivity study is a scenario with a `[sweep]` section, or a sweep file holding
`base = \"<scenario>.toml\"` (relative to the sweep file) and a `[sweep]` section;
`chipsim sweep FILE` runs it into `outputs/<scenario>-sweep/` (`--plots` draws its
charts; `chipsim report` puts everything on one page). Every design point runs the
same replication seeds as every other (common random numbers), so differences between
points are the design's, not chance.

| key | allowed | default | meaning |
| --- | --- | --- | --- |
| `design` | `\"one_at_a_time\"`, `\"grid\"`, `\"latin_hypercube\"`, `\"morris\"` | `\"one_at_a_time\"` | The design; see the table below. |
| `metrics` | metric names of `summary.csv`, each once | the headline metrics | Metrics to analyse. |
| `replications` | 1 to 10000000 | the scenario's `replications`, else 100 | Replications per design point (`--reps` overrides). |
| `levels` | `grid`: 2 to {MAX_LEVELS}; `morris`: even, 2 to {MAX_LEVELS} | `grid`: {DEFAULT_GRID_LEVELS}; `morris`: {DEFAULT_MORRIS_LEVELS} | Grid: evenly spaced values of each range parameter, ends included. Morris: the grid levels p. |
| `points` | 2 to {MAX_POINTS} | required for `latin_hypercube` | Latin hypercube: design points. |
| `trajectories` | 2 to {MAX_POINTS} | {DEFAULT_TRAJECTORIES} | Morris: trajectories r. |

A design may have at most {MAX_POINTS} points. Each `[[sweep.parameters]]` entry is
one parameter:

| key | allowed | default | meaning |
| --- | --- | --- | --- |
| `path` | a path, or a list of paths that move together | required | Where in the scenario: `power.pue`, `fabs.tsmc_az.wafer_starts_per_week`; ids name array entries, `*` matches every entry, a path may end at a distribution (then `scale` multiplies it). |
| `name` | text, unique, not {reserved} | the path(s), joined with ` + ` | Column of `sweep_points.csv`, row of `sensitivity.csv`. |
| `values` | finite numbers | one of the three | Exactly these values (`one_at_a_time` and `grid` only). |
| `low`, `high` | finite, `low` < `high` | one of the three | A range of values. |
| `scale` | `[low, high]`, finite, low < high | one of the three | A range of multipliers of the base value (or distribution) at the path. |

`sensitivity.csv` has one row per analysed metric and parameter: {fixed}, the
design's columns below, then `rank` (1 is the parameter that moves the metric most).

| design | points | parameters | `sensitivity.csv` columns | chart |
| --- | --- | --- | --- | --- |
| `one_at_a_time` | 1 (the base) + each parameter's values (2 for a range: its ends), the others at base | values, ranges, scales | {tornado}: the mean paired difference from the base with its Student-t 95 % CI; ranked by the larger effect | tornado per metric |
| `grid` | every combination of the parameters' values (a range gives `levels` values) | values, ranges, scales | {regression}: least-squares fit on the parameters scaled to [0, 1]; the fitted change from low to high, the standardised regression coefficient and R²; ranked by \\|SRC\\| | none (the table says it all) |
| `latin_hypercube` | `points`; each range cut into `points` equal strata, one point in each | ranges and scales only | as `grid` | none |
| `morris` | `trajectories` × (parameters + 1): one-at-a-time walks on a grid of `levels` values | ranges and scales only | {morris}: elementary effects on parameters scaled to [0, 1]: μ* (mean absolute effect), μ, σ and their count; ranked by μ* | μ*–σ per metric |

Examples:

```toml
[sweep]                                  # tornado: 1 + 2 × 2 = 5 points
design = \"one_at_a_time\"
metrics = [\"chips_short\", \"project_delay_mean_days\"]
[[sweep.parameters]]
name = \"fab capacity\"
path = [\"fabs.*.wafer_starts_per_week\", \"fabs.*.capacity_schedule.*.per_week\"]
scale = [0.8, 1.2]
[[sweep.parameters]]
path = \"power.pue\"
values = [1.1, 1.5]
```

```toml
[sweep]                                  # grid: 3 × 3 = 9 points
design = \"grid\"
levels = 3
# … two [[sweep.parameters]] with ranges or scales
```

```toml
[sweep]                                  # Latin hypercube: 50 points
design = \"latin_hypercube\"
points = 50
# … [[sweep.parameters]] with `low`/`high` or `scale`
```

```toml
[sweep]                                  # Morris: 10 × (k + 1) points for k parameters
design = \"morris\"
trajectories = 10
levels = 4
# … [[sweep.parameters]] with `low`/`high` or `scale`
```
",
        reserved = code_list(RESERVED_COLUMNS),
        tornado = code_list(names(TornadoColumn::ALL)),
        regression = code_list(names(RegressionColumn::ALL)),
        morris = code_list(names(MorrisColumn::ALL)),
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_design_and_its_columns_are_described() {
        let text = markdown();
        for design in ["one_at_a_time", "grid", "latin_hypercube", "morris"] {
            assert!(text.contains(&format!("| `{design}` |")), "{design}");
        }
        for column in [
            "`mu_star`",
            "`low_effect_ci95_low`",
            "`r_squared`",
            "`rank`",
        ] {
            assert!(text.contains(column), "{column}");
        }
    }
}

//! The `[optimize]` section as written, and its checks: the objective, the budget and
//! the investments. Paths and the metric are checked against the base scenario later
//! (see `problem`), because they depend on it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::scenario::locate::{line_of_offset, FieldPath, SourceMap};
use crate::sweep::Paths;

use super::tables::is_reserved;
use super::OptimizeError;

/// Allocations evaluated by the search without `max_evaluations`.
const DEFAULT_MAX_EVALUATIONS: u64 = 1000;
/// Allocations compared by the final selection without `finalists`.
const DEFAULT_FINALISTS: u64 = 5;
/// The most investments a section may list.
pub const MAX_INVESTMENTS: usize = 50;
/// The most allocations a search may evaluate.
const MAX_EVALUATIONS: u64 = 1_000_000;
/// The most finalists.
const MAX_FINALISTS: u64 = 20;
/// The most replications per allocation.
const MAX_REPLICATIONS: u64 = 10_000_000;
/// Costs are sums of decimal numbers, so the budget is met within this relative slack
/// (40 steps of 2.5 fit a budget of 100 whatever the rounding).
const BUDGET_SLACK: f64 = 1e-9;

/// Whether the objective is to be made small or large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// Smaller is better (shortages, delays).
    Min,
    /// Larger is better (accelerators built, MW live).
    Max,
}

impl Goal {
    /// +1 when larger is better, −1 when smaller is: `sign × change` is a benefit.
    pub fn sign(self) -> f64 {
        match self {
            Goal::Min => -1.0,
            Goal::Max => 1.0,
        }
    }
}

/// What summarises an allocation's replications into one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// The mean over replications.
    Mean,
    /// The 90th percentile over replications (type 7): the bad tail of a metric to
    /// minimise.
    P90,
}

/// `objective = { metric = "chips_short", goal = "min", statistic = "mean" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObjective {
    metric: String,
    goal: Goal,
    #[serde(default)]
    statistic: Option<Statistic>,
}

/// `[optimize]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOptimize {
    objective: RawObjective,
    /// In `cost_unit`.
    budget: f64,
    #[serde(default)]
    cost_unit: Option<String>,
    /// Per evaluated allocation; default: the scenario's, else 100.
    #[serde(default)]
    replications: Option<u64>,
    #[serde(default)]
    max_evaluations: Option<u64>,
    #[serde(default)]
    finalists: Option<u64>,
    #[serde(default)]
    investments: Vec<RawInvestment>,
}

/// `[[optimize.investments]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvestment {
    #[serde(default)]
    name: Option<String>,
    path: Paths,
    step: f64,
    cost_per_step: f64,
    #[serde(default)]
    max_steps: Option<u64>,
    #[serde(default)]
    from: Option<toml::value::Datetime>,
}

/// The file's top level, read only for `base` and `[optimize]` (other keys are the
/// scenario's, checked by the scenario parser).
#[derive(Debug, Deserialize)]
pub(crate) struct OptimizeFile {
    /// In an optimisation file: the base scenario, relative to this file.
    #[serde(default)]
    pub(crate) base: Option<String>,
    /// The section.
    #[serde(default)]
    pub(crate) optimize: Option<RawOptimize>,
}

/// The checked objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Objective {
    /// A scalar metric of the scenario.
    pub metric: String,
    /// Make it small or large.
    pub goal: Goal,
    /// Mean or p90 over replications.
    pub statistic: Statistic,
}

/// One checked investment: buying a step adds `step` to every value its paths match.
#[derive(Debug, Clone, PartialEq)]
pub struct Investment {
    /// Label (unique).
    pub name: String,
    /// Paths as written (one or more).
    pub paths: Vec<String>,
    /// Added to each matched value per step bought (may be negative, e.g. days of lead
    /// time saved).
    pub step: f64,
    /// Cost units per step, > 0.
    pub cost_per_step: f64,
    /// The most steps that may be bought, when limited.
    pub max_steps: Option<u32>,
    /// Only values dated on or after this day are stepped (capacity schedule points;
    /// an undated value counts as dated at the scenario's start).
    pub from: Option<NaiveDate>,
}

/// A checked `[optimize]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizeSpec {
    /// What to optimise.
    pub objective: Objective,
    /// The most that may be spent, in `cost_unit`.
    pub budget: f64,
    /// E.g. `billion USD`.
    pub cost_unit: String,
    /// Replications per allocation, when given.
    pub replications: Option<u64>,
    /// The most allocations the search evaluates.
    pub max_evaluations: u64,
    /// Allocations compared by the final selection.
    pub finalists: usize,
    /// What may be bought.
    pub investments: Vec<Investment>,
}

impl OptimizeSpec {
    /// The total cost of `steps` (one count per investment).
    pub fn cost(&self, steps: &[u32]) -> f64 {
        (self.investments.iter().zip(steps))
            .map(|(investment, &count)| f64::from(count) * investment.cost_per_step)
            .sum()
    }

    /// Whether `cost` is within the budget.
    pub fn within_budget(&self, cost: f64) -> bool {
        cost <= self.budget * (1.0 + BUDGET_SLACK)
    }

    /// Whether `steps` respects the budget and every `max_steps`.
    pub fn affordable(&self, steps: &[u32]) -> bool {
        self.within_budget(self.cost(steps))
            && (self.investments.iter().zip(steps))
                .all(|(investment, &count)| investment.max_steps.is_none_or(|max| count <= max))
    }

    /// The most steps of investment `index` the search may buy: its `max_steps`, or what
    /// the budget alone affords.
    pub fn limit(&self, index: usize) -> u32 {
        let investment = &self.investments[index];
        let affordable = (self.budget * (1.0 + BUDGET_SLACK) / investment.cost_per_step).floor();
        let affordable = affordable.min(f64::from(u32::MAX)) as u32;
        investment
            .max_steps
            .map_or(affordable, |max| max.min(affordable))
    }
}

/// Reads `base` and `[optimize]` from `text`, with errors located in the file.
pub(crate) fn read_file(text: &str, file: &str) -> Result<OptimizeFile, OptimizeError> {
    toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        OptimizeError::Parse {
            file: file.to_string(),
            line: line_of_offset(text, offset),
            field: SourceMap::new(text)
                .path_at(offset)
                .map(|path| format!("{path}: "))
                .unwrap_or_default(),
            message: error.message().trim_end().to_string(),
        }
    })
}

/// `optimize.investments[index]`, for messages.
pub(crate) fn investment_field(index: usize) -> FieldPath {
    FieldPath::root("optimize").key("investments").index(index)
}

/// Checks `raw`; errors name the field and its line in `text`.
pub(crate) fn check(
    raw: &RawOptimize,
    text: &str,
    file: &str,
) -> Result<OptimizeSpec, OptimizeError> {
    let invalid =
        |field: FieldPath, message: String| OptimizeError::invalid(text, file, &field, message);
    let section = FieldPath::root("optimize");
    if !(raw.budget.is_finite() && raw.budget > 0.0) {
        return Err(invalid(
            section.key("budget"),
            format!("must be a number greater than 0, got {}", raw.budget),
        ));
    }
    let cost_unit = raw.cost_unit.clone().unwrap_or_else(|| "cost units".into());
    if cost_unit.trim().is_empty() {
        return Err(invalid(
            section.key("cost_unit"),
            "must not be empty (e.g. \"billion USD\")".into(),
        ));
    }
    let in_range = |key: &str, value: u64, low: u64, high: u64| {
        if (low..=high).contains(&value) {
            Ok(value)
        } else {
            Err(invalid(
                section.key(key),
                format!("must be {low} to {high}, got {value}"),
            ))
        }
    };
    if let Some(replications) = raw.replications {
        in_range("replications", replications, 2, MAX_REPLICATIONS)?;
    }
    let max_evaluations = in_range(
        "max_evaluations",
        raw.max_evaluations.unwrap_or(DEFAULT_MAX_EVALUATIONS),
        1,
        MAX_EVALUATIONS,
    )?;
    let finalists = in_range(
        "finalists",
        raw.finalists.unwrap_or(DEFAULT_FINALISTS),
        2,
        MAX_FINALISTS,
    )?;
    if raw.investments.is_empty() || raw.investments.len() > MAX_INVESTMENTS {
        return Err(invalid(
            section.key("investments"),
            format!(
                "must list 1 to {MAX_INVESTMENTS} investments ([[optimize.investments]] with \
                 name, path, step and cost_per_step), got {}",
                raw.investments.len()
            ),
        ));
    }
    let mut investments: Vec<Investment> = Vec::with_capacity(raw.investments.len());
    for (index, investment) in raw.investments.iter().enumerate() {
        let field = investment_field(index);
        let checked = check_investment(investment, raw.budget)
            .map_err(|(key, message)| invalid(field.key(key), message))?;
        if investments.iter().any(|i| i.name == checked.name) {
            return Err(invalid(
                field.key("name"),
                format!(
                    "two investments are named `{}`: give each a unique `name`",
                    checked.name
                ),
            ));
        }
        investments.push(checked);
    }
    Ok(OptimizeSpec {
        objective: Objective {
            metric: raw.objective.metric.clone(),
            goal: raw.objective.goal,
            statistic: raw.objective.statistic.unwrap_or(Statistic::Mean),
        },
        budget: raw.budget,
        cost_unit,
        replications: raw.replications,
        max_evaluations,
        finalists: finalists as usize,
        investments,
    })
}

/// Checks one investment; the error names the key at fault.
fn check_investment(
    raw: &RawInvestment,
    budget: f64,
) -> Result<Investment, (&'static str, String)> {
    let paths = raw.path.0.clone();
    if paths.is_empty() {
        return Err(("path", "must name at least one path".into()));
    }
    let name = raw.name.clone().unwrap_or_else(|| paths.join(" + "));
    if name.trim().is_empty() {
        return Err(("name", "must not be empty".into()));
    }
    if is_reserved(&name) {
        return Err((
            "name",
            format!("`{name}` is a column of the output tables: choose another name"),
        ));
    }
    if !(raw.step.is_finite() && raw.step != 0.0) {
        return Err((
            "step",
            format!(
                "must be a nonzero number (added to every matched value per step), got {}",
                raw.step
            ),
        ));
    }
    let cost = raw.cost_per_step;
    if !(cost.is_finite() && cost > 0.0) {
        return Err((
            "cost_per_step",
            format!("must be a number greater than 0, got {cost}"),
        ));
    }
    if cost > budget * (1.0 + BUDGET_SLACK) {
        return Err((
            "cost_per_step",
            format!("{cost} is more than the whole budget ({budget}): no step could be bought"),
        ));
    }
    let max_steps = match raw.max_steps {
        None => None,
        Some(max) if (1..=u64::from(u32::MAX)).contains(&max) => Some(max as u32),
        Some(max) => return Err(("max_steps", format!("must be 1 to {}, got {max}", u32::MAX))),
    };
    let from = match &raw.from {
        None => None,
        Some(datetime) => match (datetime.date, datetime.time) {
            (Some(date), None) => Some(
                NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                )
                .ok_or(("from", format!("{date} is not a calendar date")))?,
            ),
            _ => {
                return Err((
                    "from",
                    format!("must be a date such as 2026-01-01, got {datetime}"),
                ))
            }
        },
    };
    Ok(Investment {
        name,
        paths,
        step: raw.step,
        cost_per_step: cost,
        max_steps,
        from,
    })
}

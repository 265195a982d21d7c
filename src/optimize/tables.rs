//! The optimiser's files: every file name and column list is defined here, once, and
//! [`read_charts`] reads back what a chart of the trace and of the marginal values
//! needs. Cells follow [`crate::output`]'s conventions (dot decimals, shortest
//! round-trip numbers, empty for undefined, text neutralised for spreadsheets); flags are
//! `true`/`false`, empty where they do not apply.
//!
//! - `optimum.csv`, one row per investment: `investment`, `path` (as written, several
//!   joined by ` + `), `steps`, `step`, `amount_added` (steps × step, to each matched
//!   value), `cost_per_step`, `cost`, `cost_unit`.
//! - `optimize_trace.csv`, one row per evaluated allocation in order: `evaluation`
//!   (from 0), `stage` (`search`, `selection`, `marginal`), `move` (`start`, `add`,
//!   `pair`, `swap`, `finalist`, `next_step`), one column per investment headed by its
//!   name (steps bought), `total_cost`, `objective` (the statistic over the stage's
//!   replications), `ci95_low`, `ci95_high`, `accepted` (search: the search moved
//!   there; selection: the chosen optimum). Marginal rows hold one step more than the
//!   optimum and may cost more than the budget.
//! - `selection.csv`, one row per finalist, by selection estimate (best first): `rank`,
//!   `evaluation` (its selection row in the trace), one column per investment,
//!   `total_cost`, `objective`, `ci95_low`, `ci95_high` (selection replications),
//!   `search_objective` (its estimate in the search), `shortfall_to_best` (the best
//!   estimate's paired benefit over it, positive = the best is better) with
//!   `shortfall_to_best_ci_low`/`_high` (simultaneous 95 %, Bonferroni over each
//!   finalist's rivals), `in_best_subset` (no rival beats it significantly), `chosen`
//!   (the optimum: the cheapest of the best subset).
//! - `marginal.csv`, one row per investment, by rank: `investment`, `path`,
//!   `steps_at_optimum`, `step`, `cost_per_step`, `change` (the objective's paired change
//!   for one more step, metric units) with `change_ci95_low`/`_high`, `change_per_cost`
//!   with `change_per_cost_ci95_low`/`_high`, `rank` (1 = most benefit per cost unit),
//!   `lead_over_next` (its benefit per cost unit minus the next-ranked one's) with
//!   `lead_over_next_ci_low`/`_high` (simultaneous 95 %, Bonferroni over adjacent
//!   pairs), `certain_over_next`, `note` (`at max_steps` when no step may be added).
//! - `best.toml`, `manifest.json`: see [`super`].

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::output::{neutralise, number, Execution, OutputError, Status, MANIFEST_FILE};

use super::estimate::Estimate;
use super::evaluate::{selection_seed, Evaluation};
use super::problem::Problem;
use super::search::{SearchOutcome, SearchStop, ALPHA};
use super::select::{Marginal, Selection};
use super::spec::{Goal, Statistic};

/// One row per investment at the optimum.
pub const OPTIMUM_FILE: &str = "optimum.csv";
/// One row per evaluated allocation.
pub const TRACE_FILE: &str = "optimize_trace.csv";
/// One row per finalist.
pub const SELECTION_FILE: &str = "selection.csv";
/// One row per investment: one more step at the optimum.
pub const MARGINAL_FILE: &str = "marginal.csv";
/// The base scenario with the optimum applied.
pub const BEST_SCENARIO_FILE: &str = "best.toml";

const OPTIMUM_HEADER: [&str; 8] = [
    "investment",
    "path",
    "steps",
    "step",
    "amount_added",
    "cost_per_step",
    "cost",
    "cost_unit",
];
/// `optimize_trace.csv`'s columns before the investments'.
const TRACE_KEYS: [&str; 3] = ["evaluation", "stage", "move"];
/// … and after them.
const TRACE_VALUES: [&str; 5] = [
    "total_cost",
    "objective",
    "ci95_low",
    "ci95_high",
    "accepted",
];
/// `selection.csv`'s columns before the investments'.
const SELECTION_KEYS: [&str; 2] = ["rank", "evaluation"];
/// … and after them.
const SELECTION_VALUES: [&str; 10] = [
    "total_cost",
    "objective",
    "ci95_low",
    "ci95_high",
    "search_objective",
    "shortfall_to_best",
    "shortfall_to_best_ci_low",
    "shortfall_to_best_ci_high",
    "in_best_subset",
    "chosen",
];
const MARGINAL_HEADER: [&str; 17] = [
    "investment",
    "path",
    "steps_at_optimum",
    "step",
    "cost_per_step",
    "change",
    "change_ci95_low",
    "change_ci95_high",
    "change_per_cost",
    "change_per_cost_ci95_low",
    "change_per_cost_ci95_high",
    "rank",
    "lead_over_next",
    "lead_over_next_ci_low",
    "lead_over_next_ci_high",
    "certain_over_next",
    "note",
];

/// Whether `name` is a fixed column of a table that has one column per investment, so
/// an investment may not take it.
pub(crate) fn is_reserved(name: &str) -> bool {
    [
        &TRACE_KEYS[..],
        &TRACE_VALUES,
        &SELECTION_KEYS,
        &SELECTION_VALUES,
    ]
    .iter()
    .any(|columns| columns.contains(&name))
}

/// Everything a run writes.
#[derive(Debug)]
pub(crate) struct Results<'a> {
    pub(crate) problem: &'a Problem,
    pub(crate) trace: &'a [Evaluation],
    pub(crate) search: &'a SearchOutcome,
    pub(crate) selection: Option<&'a Selection>,
    pub(crate) marginals: Option<&'a [Marginal]>,
    /// The trace index of the optimum.
    pub(crate) optimum: usize,
    pub(crate) status: Status,
    pub(crate) seed: u64,
    pub(crate) replications: u64,
    pub(crate) events: u64,
    pub(crate) execution: Execution,
}

/// Writes `header` and `rows` as the CSV file `name` in `dir`.
fn write_csv(
    dir: &Path,
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(), OutputError> {
    let path = dir.join(name);
    let mut writer =
        csv::Writer::from_path(&path).map_err(|error| OutputError::csv(&path, error))?;
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        writer
            .write_record(row)
            .map_err(|error| OutputError::csv(&path, error))?;
    }
    writer
        .flush()
        .map_err(|error| OutputError::io("cannot write", &path, error))
}

/// A header: fixed columns, one per investment, fixed columns.
fn header(problem: &Problem, before: &[&str], after: &[&str]) -> Vec<String> {
    (before.iter().map(|c| c.to_string()))
        .chain(
            problem
                .investments()
                .iter()
                .map(|i| neutralise(&i.name).into_owned()),
        )
        .chain(after.iter().map(|c| c.to_string()))
        .collect()
}

/// A flag cell: `true`, `false`, or empty.
fn flag(value: Option<bool>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

/// The three cells of an estimate, or three empty cells.
fn estimate_cells(estimate: Option<Estimate>) -> [String; 3] {
    estimate
        .map_or([f64::NAN; 3], |e| [e.value, e.low, e.high])
        .map(number)
}

/// The cells of an evaluation: steps per investment, total cost, objective and interval.
fn allocation_cells(evaluation: &Evaluation) -> Vec<String> {
    (evaluation.steps.iter().map(u32::to_string))
        .chain(std::iter::once(number(evaluation.cost)))
        .chain(estimate_cells(Some(evaluation.objective)))
        .collect()
}

/// Writes every file of `results` into `dir`.
pub(crate) fn write_all(dir: &Path, results: &Results<'_>) -> Result<(), OutputError> {
    let problem = results.problem;
    let optimum = &results.trace[results.optimum];
    let paths =
        |index: usize| neutralise(&problem.investments()[index].paths.join(" + ")).into_owned();

    let optimum_rows: Vec<Vec<String>> = (problem.investments().iter().enumerate())
        .map(|(index, investment)| {
            let steps = optimum.steps[index];
            vec![
                neutralise(&investment.name).into_owned(),
                paths(index),
                steps.to_string(),
                number(investment.step),
                number(f64::from(steps) * investment.step),
                number(investment.cost_per_step),
                number(f64::from(steps) * investment.cost_per_step),
                neutralise(&problem.spec.cost_unit).into_owned(),
            ]
        })
        .collect();
    write_csv(
        dir,
        OPTIMUM_FILE,
        &OPTIMUM_HEADER.map(String::from),
        &optimum_rows,
    )?;

    let trace_rows: Vec<Vec<String>> = (results.trace.iter().enumerate())
        .map(|(index, evaluation)| {
            let mut row = vec![
                index.to_string(),
                evaluation.stage.label().to_string(),
                evaluation.reached_by.label().to_string(),
            ];
            row.extend(allocation_cells(evaluation));
            row.push(flag(Some(evaluation.accepted)));
            row
        })
        .collect();
    write_csv(
        dir,
        TRACE_FILE,
        &header(problem, &TRACE_KEYS, &TRACE_VALUES),
        &trace_rows,
    )?;

    if let Some(selection) = results.selection {
        let rows: Vec<Vec<String>> = (selection.finalists.iter().enumerate())
            .map(|(rank, finalist)| {
                let mut row = vec![(rank + 1).to_string(), finalist.selected.to_string()];
                row.extend(allocation_cells(&results.trace[finalist.selected]));
                row.push(number(results.trace[finalist.searched].objective.value));
                row.extend(estimate_cells(finalist.shortfall));
                row.push(flag(Some(finalist.in_best_subset)));
                row.push(flag(Some(rank == selection.chosen)));
                row
            })
            .collect();
        write_csv(
            dir,
            SELECTION_FILE,
            &header(problem, &SELECTION_KEYS, &SELECTION_VALUES),
            &rows,
        )?;
    }

    if let Some(marginals) = results.marginals {
        let mut ordered: Vec<&Marginal> = marginals.iter().collect();
        ordered.sort_by_key(|m| (m.rank.is_none(), m.rank, m.investment));
        let rows: Vec<Vec<String>> = ordered
            .into_iter()
            .map(|marginal| {
                let investment = &problem.investments()[marginal.investment];
                let mut row = vec![
                    neutralise(&investment.name).into_owned(),
                    paths(marginal.investment),
                    optimum.steps[marginal.investment].to_string(),
                    number(investment.step),
                    number(investment.cost_per_step),
                ];
                row.extend(estimate_cells(marginal.change));
                row.extend(estimate_cells(marginal.change_per_cost));
                row.push(marginal.rank.map_or(String::new(), |r| r.to_string()));
                row.extend(estimate_cells(marginal.lead_over_next));
                row.push(flag(marginal.lead_over_next.map(|l| l.low > 0.0)));
                row.push(if marginal.evaluation.is_none() {
                    "at max_steps".into()
                } else {
                    String::new()
                });
                row
            })
            .collect();
        write_csv(
            dir,
            MARGINAL_FILE,
            &MARGINAL_HEADER.map(String::from),
            &rows,
        )?;
    }

    let best_path = dir.join(BEST_SCENARIO_FILE);
    let best = problem
        .best_toml(&optimum.steps)
        .map_err(|error| OutputError::format(&best_path, error.to_string()))?;
    std::fs::write(&best_path, best)
        .map_err(|error| OutputError::io("cannot write", &best_path, error))?;

    write_manifest(dir, results)
}

/// `objective` in the manifest.
#[derive(Debug, Serialize, Deserialize)]
struct ManifestObjective {
    metric: String,
    unit: String,
    goal: Goal,
    statistic: Statistic,
}

/// An investment in the manifest.
#[derive(Debug, Serialize)]
struct ManifestInvestment<'a> {
    name: &'a str,
    paths: &'a [String],
    /// Every value it steps.
    targets: Vec<&'a str>,
    step: f64,
    cost_per_step: f64,
    max_steps: Option<u32>,
    from: Option<String>,
}

/// `search` in the manifest.
#[derive(Debug, Serialize)]
struct ManifestSearch {
    evaluations: usize,
    accepted_moves: usize,
    stop_rule: SearchStop,
    max_evaluations: u64,
    /// Family-wise error rate of each round's acceptance test.
    alpha: f64,
}

/// `selection` in the manifest.
#[derive(Debug, Serialize)]
struct ManifestSelection {
    finalists: usize,
    /// Of each comparison of a finalist with a rival.
    confidence_per_interval: f64,
    /// Finalists no rival beats significantly.
    best_subset: usize,
    /// The best subset holds one allocation.
    best_is_distinguishable: Option<bool>,
}

/// `optimum` in the manifest.
#[derive(Debug, Serialize)]
struct ManifestOptimum {
    /// Its row in the trace.
    evaluation: usize,
    allocation: String,
    steps: Vec<u32>,
    total_cost: f64,
    objective: f64,
    ci95_low: f64,
    ci95_high: f64,
}

/// The content of an optimisation's `manifest.json`.
#[derive(Debug, Serialize)]
struct OptimizeManifest<'a> {
    chipsim_version: &'a str,
    kind: &'static str,
    scenario: &'a str,
    config_hash: &'a str,
    base_config_hash: &'a str,
    seed: u64,
    selection_seed: u64,
    replications_per_evaluation: u64,
    bootstrap_resamples: Option<usize>,
    objective: ManifestObjective,
    budget: f64,
    cost_unit: &'a str,
    investments: Vec<ManifestInvestment<'a>>,
    search: ManifestSearch,
    selection: Option<ManifestSelection>,
    optimum: ManifestOptimum,
    status: Status,
    note: Option<&'static str>,
    events_total: u64,
    execution: Execution,
}

fn write_manifest(dir: &Path, results: &Results<'_>) -> Result<(), OutputError> {
    let problem = results.problem;
    let spec = &problem.spec;
    let optimum = &results.trace[results.optimum];
    let manifest = OptimizeManifest {
        chipsim_version: env!("CARGO_PKG_VERSION"),
        kind: "optimize",
        scenario: &problem.layout().scenario,
        config_hash: &problem.config_hash,
        base_config_hash: &problem.base_config_hash,
        seed: results.seed,
        selection_seed: selection_seed(results.seed),
        replications_per_evaluation: results.replications,
        bootstrap_resamples: (spec.objective.statistic == Statistic::P90)
            .then_some(super::BOOTSTRAP_RESAMPLES),
        objective: ManifestObjective {
            metric: spec.objective.metric.clone(),
            unit: problem.metric().unit.clone(),
            goal: spec.objective.goal,
            statistic: spec.objective.statistic,
        },
        budget: spec.budget,
        cost_unit: &spec.cost_unit,
        investments: (spec.investments.iter().enumerate())
            .map(|(index, investment)| ManifestInvestment {
                name: &investment.name,
                paths: &investment.paths,
                targets: problem.targets(index),
                step: investment.step,
                cost_per_step: investment.cost_per_step,
                max_steps: investment.max_steps,
                from: investment.from.map(|date| date.to_string()),
            })
            .collect(),
        search: ManifestSearch {
            evaluations: (results.trace.iter())
                .filter(|e| e.stage == super::Stage::Search)
                .count(),
            accepted_moves: results.search.accepted_moves,
            stop_rule: results.search.stop,
            max_evaluations: spec.max_evaluations,
            alpha: ALPHA,
        },
        selection: results.selection.map(|selection| ManifestSelection {
            finalists: selection.finalists.len(),
            confidence_per_interval: selection.confidence,
            best_subset: (selection.finalists.iter())
                .filter(|f| f.in_best_subset)
                .count(),
            best_is_distinguishable: selection.certain(),
        }),
        optimum: ManifestOptimum {
            evaluation: results.optimum,
            allocation: problem.describe(&optimum.steps),
            steps: optimum.steps.clone(),
            total_cost: optimum.cost,
            objective: optimum.objective.value,
            ci95_low: optimum.objective.low,
            ci95_high: optimum.objective.high,
        },
        status: results.status,
        note: (results.status == Status::Interrupted).then_some(
            "interrupted: the trace holds the evaluations that finished; the optimum is the \
             search's current allocation, not certified; selection.csv and marginal.csv \
             were not written",
        ),
        events_total: results.events,
        execution: results.execution.clone(),
    };
    let path = dir.join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(&manifest)
        .map_err(|error| OutputError::format(&path, error.to_string()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|error| OutputError::io("cannot write", &path, error))
}

/// One evaluated allocation, as a chart of the search draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct TracePoint {
    /// Row of the trace, from 0.
    pub evaluation: usize,
    /// `search`, `selection` or `marginal`.
    pub stage: String,
    /// Total cost.
    pub total_cost: f64,
    /// The objective statistic and its 95 % interval.
    pub objective: Estimate,
    /// The search moved here (search), or the chosen optimum (selection).
    pub accepted: bool,
}

/// One investment's marginal value, as a bar chart draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginalBar {
    /// The investment.
    pub investment: String,
    /// The objective's change per cost unit for one more step, with its 95 % interval
    /// (NaN at `max_steps`).
    pub change_per_cost: Estimate,
    /// 1 = most benefit per cost unit; `None` at `max_steps`.
    pub rank: Option<usize>,
    /// Whether it is certainly ahead of the next in rank; `None` for the last.
    pub certain_over_next: Option<bool>,
}

/// What the charts of an optimisation need: the trace (objective against evaluation
/// or cost) and the marginal values (bars with intervals), with their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizeCharts {
    /// The objective metric.
    pub metric: String,
    /// Its unit.
    pub unit: String,
    /// Min or max.
    pub goal: Goal,
    /// Mean or p90.
    pub statistic: Statistic,
    /// E.g. `billion USD`.
    pub cost_unit: String,
    /// The budget, for a vertical line on a cost axis.
    pub budget: f64,
    /// Every evaluation, in order.
    pub trace: Vec<TracePoint>,
    /// By rank (empty when the run was interrupted before the marginal values).
    pub marginal: Vec<MarginalBar>,
}

/// The manifest fields the charts need.
#[derive(Debug, Deserialize)]
struct ChartManifest {
    kind: String,
    objective: ManifestObjective,
    budget: f64,
    cost_unit: String,
}

/// Reads the named columns of every row of the CSV file at `path`.
fn read_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>, OutputError> {
    let mut reader = csv::Reader::from_path(path).map_err(|error| OutputError::csv(path, error))?;
    let headers = reader
        .headers()
        .map_err(|error| OutputError::csv(path, error))?
        .clone();
    let positions = columns
        .iter()
        .map(|column| {
            headers
                .iter()
                .position(|h| h == *column)
                .ok_or_else(|| OutputError::format(path, format!("no column `{column}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|error| OutputError::csv(path, error))?;
            Ok(positions
                .iter()
                .map(|&p| record.get(p).unwrap_or("").to_string())
                .collect())
        })
        .collect()
}

/// A number cell: empty is NaN.
fn parse_number(path: &Path, cell: &str) -> Result<f64, OutputError> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    cell.parse()
        .map_err(|_| OutputError::format(path, format!("`{cell}` is not a number")))
}

/// Three cells (value, low, high) as an estimate.
fn parse_estimate(path: &Path, cells: &[String]) -> Result<Estimate, OutputError> {
    Ok(Estimate {
        value: parse_number(path, &cells[0])?,
        low: parse_number(path, &cells[1])?,
        high: parse_number(path, &cells[2])?,
    })
}

/// Reads what the charts of the optimisation in `dir` need; see [`OptimizeCharts`].
pub fn read_charts(dir: &Path) -> Result<OptimizeCharts, OutputError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|error| OutputError::io("cannot read", &manifest_path, error))?;
    let manifest: ChartManifest = serde_json::from_str(&text)
        .map_err(|error| OutputError::format(&manifest_path, error.to_string()))?;
    if manifest.kind != "optimize" {
        return Err(OutputError::format(
            &manifest_path,
            "not the manifest of an optimisation",
        ));
    }
    let trace_path = dir.join(TRACE_FILE);
    let columns = [
        "evaluation",
        "stage",
        "total_cost",
        "objective",
        "ci95_low",
        "ci95_high",
        "accepted",
    ];
    let trace = read_columns(&trace_path, &columns)?
        .into_iter()
        .map(|cells| {
            Ok(TracePoint {
                evaluation: cells[0].parse().map_err(|_| {
                    OutputError::format(
                        &trace_path,
                        format!("`{}` is not an evaluation index", cells[0]),
                    )
                })?,
                stage: cells[1].clone(),
                total_cost: parse_number(&trace_path, &cells[2])?,
                objective: parse_estimate(&trace_path, &cells[3..6])?,
                accepted: cells[6] == "true",
            })
        })
        .collect::<Result<Vec<_>, OutputError>>()?;
    let marginal_path = dir.join(MARGINAL_FILE);
    let marginal = if marginal_path.exists() {
        let columns = [
            "investment",
            "change_per_cost",
            "change_per_cost_ci95_low",
            "change_per_cost_ci95_high",
            "rank",
            "certain_over_next",
        ];
        read_columns(&marginal_path, &columns)?
            .into_iter()
            .map(|cells| {
                Ok(MarginalBar {
                    investment: cells[0].clone(),
                    change_per_cost: parse_estimate(&marginal_path, &cells[1..4])?,
                    rank: cells[4].parse().ok(),
                    certain_over_next: cells[5].parse().ok(),
                })
            })
            .collect::<Result<Vec<_>, OutputError>>()?
    } else {
        Vec::new()
    };
    Ok(OptimizeCharts {
        metric: manifest.objective.metric,
        unit: manifest.objective.unit,
        goal: manifest.objective.goal,
        statistic: manifest.objective.statistic,
        cost_unit: manifest.cost_unit,
        budget: manifest.budget,
        trace,
        marginal,
    })
}

//! Simulation-based optimisation of costed investments: where should a budget go to
//! make a metric (chip shortages, delays) best? Each investment adds a fixed amount to
//! scenario values per step bought, at a cost per step; the optimiser searches the
//! allocations of steps within the budget, evaluating each allocation's scenario on the
//! same replication seeds (common random numbers), certifies the best of the final few
//! on fresh replications, and reports what one more step of each investment would buy
//! there (the shadow prices a planner asks for).
//!
//! # The optimize section
//!
//! An `[optimize]` section in the scenario file, or an optimisation file holding only
//! `base = "baseline.toml"` (relative to it) and an `[optimize]` section:
//!
//! ```toml
//! [optimize]
//! objective = { metric = "chips_short", goal = "min", statistic = "mean" }  # or "p90"
//! budget = 100.0                 # in cost_unit
//! cost_unit = "billion USD"      # default "cost units"
//! replications = 100             # per allocation; default: the scenario's, else 100
//! max_evaluations = 1000         # search evaluations at most (default 1000)
//! finalists = 5                  # allocations compared at the end (default 5)
//!
//! [[optimize.investments]]
//! name = "CoWoS capacity"        # default: the path(s)
//! path = ["packaging.*.accelerators_per_week", "packaging.*.capacity_schedule.*.per_week"]
//! step = 10000                   # added to every matched value per step (nonzero)
//! cost_per_step = 2.5            # cost units per step (> 0)
//! max_steps = 20                 # optional
//! from = 2026-01-01              # optional: only values dated on or after (below)
//! ```
//!
//! Paths are the sweep's ([`crate::sweep`]): ids name array elements, `*` matches all,
//! and a path must end at a number written in the base scenario. Each value belongs to
//! one investment. With `from`, a value beside a `date` (a capacity schedule point) is
//! stepped only when dated on or after `from`, and an undated value counts as dated at
//! the scenario's start; the model ramps capacity linearly between schedule points. An
//! allocation's scenario is the base scenario's TOML with `steps × step` added to each
//! matched value, checked like any scenario; each investment alone at the most steps an
//! evaluation may give it is checked when the file is loaded.
//!
//! # The algorithm
//!
//! The search (greedy by benefit per cost, pairs for complements, swaps for local
//! improvement, Bonferroni-guarded acceptance, its stopping rule) is described in
//! `search`; the ranking and selection and the marginal values in `select`; how every
//! interval is computed in `estimate`. `docs/optimize.md` explains them for planners.
//!
//! # Output files (in `outputs/<scenario>-optimize/` or `--out`)
//!
//! Column lists are defined once, in `tables`:
//!
//! - `optimum.csv`: one row per investment at the selected optimum.
//! - `optimize_trace.csv`: one row per evaluated allocation, in order.
//! - `selection.csv`: one row per finalist, best first: the best subset and the optimum.
//! - `marginal.csv`: one row per investment: one more step's paired change, per cost
//!   unit, ranked.
//! - `best.toml`: the base scenario with the optimum applied (runs with `chipsim run`).
//! - `manifest.json`: what was run, how the search stopped, whether the best is certain,
//!   and `execution` (threads, timings: the only part that varies between runs).
//!
//! Same seed, same bytes, whatever the thread count. A run interrupted by Ctrl-C writes
//! what it has: the trace of the evaluations that finished, the search's current
//! allocation as the optimum (not certified) and a manifest with status `interrupted`,
//! without `selection.csv` and `marginal.csv`.

mod estimate;
mod evaluate;
mod problem;
mod search;
mod select;
mod spec;
mod tables;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};

use crate::output::{utc_text, Execution, OutputError, Staging, Status};
use crate::runner::RunError;
use crate::scenario::locate::{FieldPath, SourceMap};
use crate::scenario::ScenarioError;

pub use estimate::{Estimate, BOOTSTRAP_RESAMPLES};
pub use evaluate::{selection_seed, Move, Stage};
pub use problem::Problem;
pub use search::SearchStop;
pub use spec::{Goal, Investment, Objective, OptimizeSpec, Statistic, MAX_INVESTMENTS};
pub use tables::{
    read_charts, MarginalBar, OptimizeCharts, TracePoint, BEST_SCENARIO_FILE, MARGINAL_FILE,
    OPTIMUM_FILE, SELECTION_FILE, TRACE_FILE,
};

use evaluate::Evaluator;
use tables::Results;

/// An optimisation that cannot be read, run or written. The message says where and how
/// to fix it.
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    /// The file cannot be read.
    #[error("{file}: cannot read the optimisation: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The base scenario is not valid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Syntax, unknown field or wrong type in the section.
    #[error("{file}:{line}: {field}{message}")]
    Parse {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// `field: ` or empty.
        field: String,
        /// What the parser said.
        message: String,
    },
    /// A value outside its range, an unknown path or metric.
    #[error("{file}:{line}: {field}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// The field path.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The file has no `[optimize]` section.
    #[error(
        "{file}: no [optimize] section: add one to the scenario, or write an optimisation \
         file with `base = \"<scenario>.toml\"` and an [optimize] section"
    )]
    NoSection {
        /// The file.
        file: String,
    },
    /// An allocation's scenario is not valid.
    #[error("allocation ({allocation}): {message}")]
    Allocation {
        /// The allocation in words.
        allocation: String,
        /// What the scenario parser said.
        message: String,
    },
    /// An option out of range.
    #[error("invalid --{option}: {message}")]
    InvalidOption {
        /// The option, without `--`.
        option: &'static str,
        /// What is allowed, and what was given.
        message: String,
    },
    /// An allocation's replications failed.
    #[error("allocation ({allocation}): {source}")]
    Run {
        /// The allocation in words.
        allocation: String,
        /// What failed.
        source: RunError,
    },
    /// Stopped by the cancel flag before any allocation was evaluated; nothing written.
    #[error("interrupted before the first allocation was evaluated; nothing was written")]
    Interrupted,
    /// Writing an output file failed.
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl OptimizeError {
    /// An [`OptimizeError::Invalid`] at `field`, with its line in `text`.
    fn invalid(text: &str, file: &str, field: &FieldPath, message: String) -> OptimizeError {
        OptimizeError::Invalid {
            file: file.to_string(),
            line: SourceMap::new(text).line_of(field).unwrap_or(0),
            field: field.to_string(),
            message,
        }
    }
}

/// How to run an optimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizeOptions {
    /// Replications per allocation, at least 2.
    pub replications: u64,
    /// Base seed of the search replications (the selection's is derived from it).
    pub base_seed: u64,
    /// Worker threads, at least 1.
    pub threads: usize,
    /// The output folder, replaced when the run ends.
    pub out_dir: PathBuf,
}

/// Progress, reported after each evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptimizeProgress {
    /// Allocations evaluated so far (all stages).
    pub evaluations: usize,
    /// The stage of the latest.
    pub stage: Stage,
}

/// Live controls: a cancel flag (set it to stop: the replications in flight finish and
/// what is complete is written) and a progress callback (called on the calling thread).
#[derive(Default)]
pub struct OptimizeControl<'a> {
    /// Stops the run when set.
    pub cancel: Option<&'a AtomicBool>,
    /// Called after each evaluation.
    pub progress: Option<&'a dyn Fn(OptimizeProgress)>,
}

impl std::fmt::Debug for OptimizeControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OptimizeControl")
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.map(|_| "callback"))
            .finish()
    }
}

/// What an optimisation wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizeOutcome {
    /// `complete`, or `interrupted`.
    pub status: Status,
    /// Why the search stopped.
    pub stop: SearchStop,
    /// Allocations evaluated on the search replications.
    pub search_evaluations: usize,
    /// Allocations evaluated in all (search, selection, marginal).
    pub evaluations: usize,
    /// Replications per allocation.
    pub replications: u64,
    /// The optimum in words.
    pub optimum: String,
    /// Steps per investment at the optimum.
    pub optimum_steps: Vec<u32>,
    /// Whether the best is certain: distinguishable from every runner-up (`None` when there
    /// was no runner-up or the selection did not run).
    pub certain: Option<bool>,
    /// Elapsed seconds.
    pub wall_seconds: f64,
    /// The output folder.
    pub out_dir: PathBuf,
}

/// Runs the optimisation of `problem` and writes its folder; see the module docs.
pub fn run_optimize(
    problem: &Problem,
    options: &OptimizeOptions,
    control: &OptimizeControl<'_>,
) -> Result<OptimizeOutcome, OptimizeError> {
    let invalid = |option, message: String| Err(OptimizeError::InvalidOption { option, message });
    if options.replications < 2 {
        return invalid(
            "reps",
            format!(
                "must be at least 2 (allocations are compared by confidence intervals), got {}",
                options.replications
            ),
        );
    }
    if options.threads == 0 {
        return invalid("threads", "must be at least 1, got 0".into());
    }
    let started = SystemTime::now();
    let clock = Instant::now();
    // Created first, so an output folder that may not be replaced fails before the run.
    let staging = Staging::create(&options.out_dir)?;
    let mut evaluator = Evaluator::new(
        problem,
        options.replications,
        options.base_seed,
        options.threads,
        control,
    );
    let search = search::search(&mut evaluator)?;
    let mut selection = None;
    let mut marginals = None;
    let mut interrupted = search.stop == SearchStop::Interrupted;
    if !interrupted {
        let finished = select::select(&mut evaluator, &search).and_then(|chosen| {
            let found = select::marginals(&mut evaluator, chosen.optimum())?;
            Ok((chosen, found))
        });
        match finished {
            Ok((chosen, found)) => {
                selection = Some(chosen);
                marginals = Some(found);
            }
            Err(OptimizeError::Interrupted) => interrupted = true,
            Err(error) => return Err(error),
        }
    }
    let status = if interrupted {
        Status::Interrupted
    } else {
        Status::Complete
    };
    let optimum = selection.as_ref().map_or(search.current, |s| s.optimum());
    let wall_seconds = clock.elapsed().as_secs_f64();
    let replications_run = evaluator.trace.len() as u64 * options.replications;
    let results = Results {
        problem,
        trace: &evaluator.trace,
        search: &search,
        selection: selection.as_ref(),
        marginals: marginals.as_deref(),
        optimum,
        status,
        seed: options.base_seed,
        replications: options.replications,
        events: evaluator.events,
        execution: Execution {
            threads: options.threads,
            started_utc: utc_text(started),
            finished_utc: utc_text(SystemTime::now()),
            wall_seconds,
            replications_per_second: if wall_seconds > 0.0 {
                replications_run as f64 / wall_seconds
            } else {
                0.0
            },
            merged_from: Vec::new(),
        },
    };
    tables::write_all(staging.path(), &results)?;
    staging.commit()?;
    let steps = evaluator.trace[optimum].steps.clone();
    Ok(OptimizeOutcome {
        status,
        stop: search.stop,
        search_evaluations: evaluator.searched(),
        evaluations: evaluator.trace.len(),
        replications: options.replications,
        optimum: problem.describe(&steps),
        optimum_steps: steps,
        certain: selection.as_ref().and_then(select::Selection::certain),
        wall_seconds: clock.elapsed().as_secs_f64(),
        out_dir: options.out_dir.clone(),
    })
}

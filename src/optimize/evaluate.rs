//! Evaluating allocations: an allocation's scenario runs a fixed set of replications
//! through [`crate::runner::run_in_order`] (parallel, consumed in replication order),
//! and the objective metric of each replication is kept, so that any two allocations
//! evaluated on the same seed set can be compared replication by replication (common
//! random numbers). Every evaluation is recorded, in order, as a row of the trace.
//!
//! Two seed sets: the *search* replications (replication r of the base seed, as in
//! `chipsim run`) and the *selection* replications, drawn from a seed derived from the
//! base seed, so the final comparison of the finalists and the marginal values are not
//! measured on the data that chose them.

use std::collections::HashMap;

use serde::Serialize;

use crate::output::StopRule;
use crate::random::replication_seed;
use crate::runner::{run_in_order, RunControl, RunError};

use super::estimate::{Estimate, Estimator};
use super::problem::Problem;
use super::{OptimizeControl, OptimizeError, OptimizeProgress};

/// The replication index whose seed seeds the selection replications: one no search
/// reaches, so the two sets are unrelated.
const SELECTION_STREAM: u64 = u64::MAX;

/// The seed of the selection replications for base seed `base_seed`.
pub fn selection_seed(base_seed: u64) -> u64 {
    replication_seed(base_seed, SELECTION_STREAM)
}

/// Which replications an evaluation ran, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The search, on the search replications.
    Search,
    /// The final comparison of the finalists, on the selection replications.
    Selection,
    /// One more step of an investment at the optimum, on the selection replications.
    Marginal,
}

impl Stage {
    /// Its label in CSV files.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Search => "search",
            Stage::Selection => "selection",
            Stage::Marginal => "marginal",
        }
    }
}

/// How an allocation was first reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The base scenario, nothing bought.
    Start,
    /// One more step of one investment.
    Add,
    /// One more step of each of two investments.
    Pair,
    /// Budget moved from one investment to one more step of another.
    Swap,
    /// A finalist of the selection.
    Finalist,
    /// The optimum and one more step of one investment.
    NextStep,
}

impl Move {
    /// Its label in CSV files.
    pub fn label(self) -> &'static str {
        match self {
            Move::Start => "start",
            Move::Add => "add",
            Move::Pair => "pair",
            Move::Swap => "swap",
            Move::Finalist => "finalist",
            Move::NextStep => "next_step",
        }
    }
}

/// One evaluated allocation: a row of the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Steps bought per investment.
    pub steps: Vec<u32>,
    /// Their total cost.
    pub cost: f64,
    /// Which replications.
    pub stage: Stage,
    /// How it was reached.
    pub reached_by: Move,
    /// The objective statistic with its 95 % interval.
    pub objective: Estimate,
    /// Search: the search moved here. Selection: the chosen optimum.
    pub accepted: bool,
    /// The objective metric, one value per replication.
    pub(crate) values: Vec<f64>,
}

/// Runs evaluations and keeps the trace.
pub(crate) struct Evaluator<'a> {
    pub(crate) problem: &'a Problem,
    pub(crate) estimator: Estimator,
    replications: u64,
    base_seed: u64,
    threads: usize,
    control: &'a OptimizeControl<'a>,
    /// Every evaluation, in order.
    pub(crate) trace: Vec<Evaluation>,
    /// Events of every replication run.
    pub(crate) events: u64,
    /// Trace indices by seed set (search or not) and allocation.
    evaluated: HashMap<(bool, Vec<u32>), usize>,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        problem: &'a Problem,
        replications: u64,
        base_seed: u64,
        threads: usize,
        control: &'a OptimizeControl<'a>,
    ) -> Self {
        Evaluator {
            problem,
            estimator: Estimator::new(problem.spec.objective.statistic, base_seed),
            replications,
            base_seed,
            threads,
            control,
            trace: Vec::new(),
            events: 0,
            evaluated: HashMap::new(),
        }
    }

    /// Allocations evaluated on the search replications.
    pub(crate) fn searched(&self) -> usize {
        (self.evaluated.keys())
            .filter(|(search, _)| *search)
            .count()
    }

    /// The trace index of `steps` on the replications of `stage`, evaluating and
    /// recording it the first time it is asked for on that seed set (a finalist that is
    /// also the optimum plus one step runs once).
    pub(crate) fn evaluate(
        &mut self,
        steps: &[u32],
        stage: Stage,
        reached_by: Move,
    ) -> Result<usize, OptimizeError> {
        let key = (stage == Stage::Search, steps.to_vec());
        if let Some(&index) = self.evaluated.get(&key) {
            return Ok(index);
        }
        let seed = match stage {
            Stage::Search => self.base_seed,
            Stage::Selection | Stage::Marginal => selection_seed(self.base_seed),
        };
        let model = self.problem.model_at(steps)?;
        let metric = self.problem.metric_index();
        let mut values = Vec::with_capacity(self.replications as usize);
        let mut events = 0u64;
        let control = RunControl {
            cancel: self.control.cancel,
            progress: None,
        };
        let allocation = || self.problem.describe(steps);
        let stop = run_in_order(
            &model,
            self.replications,
            seed,
            self.threads,
            &control,
            &mut |replication, _, result| {
                let value = result.metrics.get(metric).copied().unwrap_or(f64::NAN);
                if !value.is_finite() {
                    return Err(RunError::InvalidResult {
                        replication,
                        message: format!(
                            "the objective `{}` is undefined ({value}): choose a metric every \
                             replication defines",
                            self.problem.metric().name
                        ),
                    });
                }
                values.push(value);
                events = events.saturating_add(result.events);
                Ok(())
            },
        )
        .map_err(|source| match source {
            RunError::NothingCompleted => OptimizeError::Interrupted,
            source => OptimizeError::Run {
                allocation: allocation(),
                source,
            },
        })?;
        if stop == StopRule::Interrupted {
            return Err(OptimizeError::Interrupted);
        }
        self.events = self.events.saturating_add(events);
        let objective = self.estimator.contrast(&[(1.0, &values)], 0.95);
        self.trace.push(Evaluation {
            steps: steps.to_vec(),
            cost: self.problem.spec.cost(steps),
            stage,
            reached_by,
            objective,
            accepted: false,
            values,
        });
        self.evaluated.insert(key, self.trace.len() - 1);
        if let Some(progress) = self.control.progress {
            progress(OptimizeProgress {
                evaluations: self.trace.len(),
                stage,
            });
        }
        Ok(self.trace.len() - 1)
    }

    /// The benefit of moving from evaluation `from` to evaluation `to` (same seed set):
    /// the paired change of the objective, signed so that a positive value is better,
    /// with its interval at `confidence`.
    pub(crate) fn benefit(&self, from: usize, to: usize, confidence: f64) -> Estimate {
        let sign = self.problem.spec.objective.goal.sign();
        self.estimator.contrast(
            &[
                (sign, &self.trace[to].values),
                (-sign, &self.trace[from].values),
            ],
            confidence,
        )
    }
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("replications", &self.replications)
            .field("base_seed", &self.base_seed)
            .field("evaluations", &self.trace.len())
            .finish()
    }
}
